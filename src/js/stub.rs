//! Calls to JavaScript objects from Rust: by method name, with JSON
//! arguments and result.

use std::borrow::Cow;
use std::future::Future;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::JsObject;
use crate::runtime::payload::Payload;
use crate::runtime::{Error, Result, Stub};

impl Stub<JsObject> {
    /// Calls the JavaScript method `method` with the arguments in the JSON
    /// array `args` (`serde_json::json!([1, "a"])`); the result decoded as
    /// `R` (`serde_json::Value` takes anything). Values JSON cannot say
    /// (a `Date`, a `Map`, `undefined`) arrive as `{"$t": kind, "v": …}`.
    pub fn call_js<R: DeserializeOwned>(
        &self,
        method: &str,
        args: Value,
    ) -> impl Future<Output = Result<R>> + 'static {
        let method: Cow<'static, str> = Cow::Owned(method.to_string());
        let shown = method.clone();
        let call = match args {
            Value::Array(_) => {
                Ok(self.call_payload(method, Payload::from_vec(args.to_string().into_bytes())))
            }
            other => Err(Error::type_error(format!(
                "the arguments of {shown}() must be a JSON array, not {other}"
            ))),
        };
        async move {
            let payload = call?.await?;
            payload.decode(|| format!("the result of {shown}()"))
        }
    }
}
