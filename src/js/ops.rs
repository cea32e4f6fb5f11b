//! The operations JavaScript starts that take simulated time, each built
//! as the Rust future a Rust object would await for the same thing:
//! storage through [`Storage`](crate::Storage), timers through the
//! simulated clock, calls through a [`Stub`](crate::Stub). Each future
//! yields the answer text for the prelude (see `host.rs`).
//!
//! Stored values are the JSON text of the prelude's structured clone,
//! stored as is: plain values stay readable to Rust code and
//! [`Sim::inspect`](crate::Sim::inspect).

use std::rc::Rc;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::call::{JsCall, Start};
use super::host::{answer, json, parse, Host};
use crate::runtime::{Error, Request, Result};
use crate::storage::ListOptions;

/// The future of operation `kind` with JSON `args`; an error for arguments
/// that do not parse or a kind the host does not know.
pub(crate) fn start(
    host: &Rc<Host>,
    kind: &str,
    args: &str,
) -> Result<LocalBoxFuture<'static, String>> {
    let storage = host.state.storage().clone();
    let fut: LocalBoxFuture<'static, Result<String>> = match kind {
        "get" => {
            let a: Key = parse(kind, args)?;
            Box::pin(async move {
                let found: Option<Box<RawValue>> = storage.get(&a.key).await?;
                Ok(found.map_or_else(|| "[]".to_string(), |v| format!("[{}]", v.get())))
            })
        }
        "getMany" => {
            let a: Keys = parse(kind, args)?;
            Box::pin(async move {
                let keys: Vec<&str> = a.keys.iter().map(String::as_str).collect();
                let found = storage.get_many::<Box<RawValue>>(&keys).await?;
                json(&found.into_iter().collect::<Vec<_>>())
            })
        }
        "put" => {
            let a: Entries = parse(kind, args)?;
            Box::pin(async move {
                let entries: Vec<(&str, &RawValue)> =
                    a.entries.iter().map(|(k, v)| (k.as_str(), &**v)).collect();
                storage.put_many(&entries).await?;
                Ok("null".to_string())
            })
        }
        "delete" => {
            let a: Key = parse(kind, args)?;
            Box::pin(async move { json(&storage.delete(&a.key).await?) })
        }
        "deleteMany" => {
            let a: Keys = parse(kind, args)?;
            Box::pin(async move {
                let keys: Vec<&str> = a.keys.iter().map(String::as_str).collect();
                json(&storage.delete_many(&keys).await?)
            })
        }
        "list" => {
            let options: ListOptions = parse(kind, args)?;
            Box::pin(async move { json(&storage.list::<Box<RawValue>>(options).await?) })
        }
        "deleteAll" => Box::pin(async move {
            storage.delete_all().await?;
            Ok("null".to_string())
        }),
        "getAlarm" => Box::pin(async move {
            let at = storage.get_alarm().await?;
            let ms = at.map(|t| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_millis() as f64
            });
            json(&ms)
        }),
        "setAlarm" => {
            let a: Millis = parse(kind, args)?;
            Box::pin(async move {
                storage.set_alarm_ms(a.ms).await?;
                Ok("null".to_string())
            })
        }
        "deleteAlarm" => Box::pin(async move {
            storage.delete_alarm().await?;
            Ok("null".to_string())
        }),
        "sync" => Box::pin(async { Ok("null".to_string()) }),
        "block" => {
            let a: Block = parse(kind, args)?;
            let isolate =
                host.isolate.borrow().upgrade().ok_or_else(|| {
                    Error::new("blockConcurrencyWhile() on an object being dropped")
                })?;
            let body = JsCall::new(
                isolate,
                Start {
                    kind: "block",
                    name: a.block.to_string(),
                    args: String::new(),
                },
            );
            // The gate closes now, not when this operation is first polled.
            Box::pin(host.state.block_concurrency_while(body))
        }
        "sleep" => {
            let a: Millis = parse(kind, args)?;
            let wait = Duration::from_secs_f64(a.ms.max(0.0) / 1000.0);
            Box::pin(async move {
                crate::runtime::sleep(wait).await;
                Ok("null".to_string())
            })
        }
        "stubCall" => {
            let a: StubCall = parse(kind, args)?;
            let ns = host.namespace(&a.binding)?;
            let stub = ns.get(ns.id_from_string(&a.id)?);
            let args = crate::runtime::payload::Payload(
                crate::runtime::payload::PayloadBytes::from_slice(a.args.get().as_bytes()),
            );
            let call = stub.call_payload(a.method.into(), args);
            Box::pin(async move {
                let result = call.await?;
                String::from_utf8(result.into_vec()).map_err(|e| Error::new(e.to_string()))
            })
        }
        "stubFetch" => {
            let a: StubFetch = parse(kind, args)?;
            let ns = host.namespace(&a.binding)?;
            let stub = ns.get(ns.id_from_string(&a.id)?);
            let call = stub.fetch(a.request.into_request());
            Box::pin(async move { response(call.await?) })
        }
        other => super::platform::start(host, other, args)?,
    };
    Ok(Box::pin(async move { answer(fut.await) }))
}

#[derive(Deserialize)]
struct Key {
    key: String,
}

#[derive(Deserialize)]
struct Keys {
    keys: Vec<String>,
}

#[derive(Deserialize)]
struct Entries {
    entries: Vec<(String, Box<RawValue>)>,
}

#[derive(Deserialize)]
struct Block {
    block: u64,
}

#[derive(Deserialize)]
struct Millis {
    ms: f64,
}

#[derive(Deserialize)]
struct StubCall {
    binding: String,
    id: String,
    method: String,
    args: Box<RawValue>,
}

#[derive(Deserialize)]
struct StubFetch {
    binding: String,
    id: String,
    #[serde(flatten)]
    request: FetchRequest,
}

/// A request as the prelude sends it, for a stub's or a service's `fetch`.
#[derive(Deserialize)]
pub(crate) struct FetchRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl FetchRequest {
    /// The request to send.
    pub(crate) fn into_request(self) -> Request {
        let mut req = Request::new(&self.method, &self.url);
        for (name, value) in &self.headers {
            req = req.with_header(name, value);
        }
        match self.body {
            Some(body) => req.with_body(body),
            None => req,
        }
    }
}

/// A response as the prelude rebuilds it: `{status, headers, body}`.
pub(crate) fn response(resp: crate::runtime::Response) -> Result<String> {
    json(&serde_json::json!({
        "status": resp.status(),
        "headers": resp.headers().collect::<Vec<_>>(),
        "body": String::from_utf8_lossy(resp.body()),
    }))
}
