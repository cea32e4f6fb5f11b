//! JSON bodies for [`Request`] and [`Response`]: the usual way a Worker
//! talks to an object over `fetch`.
//!
//! Bad JSON is an error naming the body and the type it was read as, never
//! a panic: a malformed request is input the object must survive.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Error, Result};
use super::http::{Request, Response};
use super::payload::decode_bytes;

const JSON: &str = "application/json";

/// `value` as JSON bytes; `what` names the body in the error.
fn to_json<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| {
        Error::type_error(format!(
            "the {what} body could not be serialized as JSON: {e}"
        ))
    })
}

impl Request {
    /// A `POST` request with `value` as its JSON body.
    ///
    /// ```
    /// use dosim::Request;
    /// let req = Request::post_json("https://room/join", &("ada", 3)).unwrap();
    /// assert_eq!(req.header("Content-Type"), Some("application/json"));
    /// assert_eq!(req.json::<(String, u32)>().unwrap(), ("ada".to_string(), 3));
    /// let err = Request::post("https://room/join", "{oops").json::<u32>().unwrap_err();
    /// assert!(err.to_string().contains("request body could not be deserialized"), "{err}");
    /// ```
    pub fn post_json<T: Serialize + ?Sized>(url: &str, value: &T) -> Result<Request> {
        Request::new("POST", url).with_json(value)
    }

    /// Replaces the body with `value` as JSON, and says so in
    /// `content-type`.
    pub fn with_json<T: Serialize + ?Sized>(self, value: &T) -> Result<Request> {
        let body = to_json(value, "request")?;
        Ok(self.with_body(body).with_header("content-type", JSON))
    }

    /// The body, read as JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_bytes(self.body(), || "the request body".to_string())
    }
}

impl Response {
    /// `200 OK` with `value` as its JSON body.
    ///
    /// ```
    /// use dosim::Response;
    /// let resp = Response::from_json(&vec![1, 2, 3]).unwrap();
    /// assert_eq!(resp.status(), 200);
    /// assert_eq!(resp.json::<Vec<u8>>().unwrap(), [1, 2, 3]);
    /// let err = Response::ok("not json").json::<Vec<u8>>().unwrap_err();
    /// assert!(err.to_string().contains("response body could not be deserialized"), "{err}");
    /// ```
    pub fn from_json<T: Serialize + ?Sized>(value: &T) -> Result<Response> {
        let body = to_json(value, "response")?;
        Ok(Response::ok(body).with_header("content-type", JSON))
    }

    /// The body, read as JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_bytes(self.body(), || "the response body".to_string())
    }
}
