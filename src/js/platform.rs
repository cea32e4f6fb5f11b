//! The platform bindings in a JavaScript object's `env`: its KV namespaces,
//! queues and services here, its buckets in `bucket.rs`, each operation the future the Rust platform's own call
//! builds ([`KvNamespace`](crate::platform::kv::KvNamespace),
//! [`Queue`](crate::platform::queue::Queue),
//! [`Service`](crate::platform::service::Service)), so faults, limits, error
//! texts, the trace and the output gate are the same as for a Rust object.
//!
//! Values cross as JSON text: a KV value as `{"text"}` or `{"bytes"}`, its
//! metadata as the JSON workerd stores; a queue message's body as the
//! prelude's structured clone, which a Rust consumer reads as plain JSON.

use std::time::Duration;

use futures::future::LocalBoxFuture;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json as value, Value};

use super::host::{json, parse, Host};
use super::ops::{response, FetchRequest};
use crate::platform::kv::{GetOptions, ListOptions, PutOptions};
use crate::platform::queue::SendOptions;
use crate::runtime::{Error, Result};

/// The binding kinds this file serves, as the binding table names them.
pub(crate) const KINDS: [&str; 4] = [
    crate::platform::kv::KIND,
    crate::platform::queue::KIND,
    crate::platform::bucket::KIND,
    crate::platform::service::KIND,
];

/// The future of the platform operation `kind` with JSON `args`.
pub(crate) fn start(
    host: &Host,
    kind: &str,
    args: &str,
) -> Result<LocalBoxFuture<'static, Result<String>>> {
    let fut: LocalBoxFuture<'static, Result<String>> = match kind {
        "kvGet" => {
            let a: KvGet = parse(kind, args)?;
            let kv = host.env.kv_namespace(&a.binding)?;
            let options = GetOptions {
                cache_ttl: a.cache_ttl.map(Duration::from_secs),
            };
            Box::pin(async move {
                if a.bytes {
                    return json(&kv.get_bytes(&a.key).await?.map(|b| value!({ "bytes": b })));
                }
                let found = kv.get_with_metadata(&a.key, options).await?;
                json(&value!({ "value": found.value, "metadata": found.metadata }))
            })
        }
        "kvPut" => {
            let a: KvPut = parse(kind, args)?;
            let kv = host.env.kv_namespace(&a.binding)?;
            let options = PutOptions {
                expiration: a.expiration,
                expiration_ttl: a.expiration_ttl,
                metadata: a.metadata,
            };
            Box::pin(async move {
                kv.put_with(&a.key, a.value.into_bytes(), options).await?;
                Ok("null".to_string())
            })
        }
        "kvDelete" => {
            let a: KvKey = parse(kind, args)?;
            let kv = host.env.kv_namespace(&a.binding)?;
            Box::pin(async move {
                kv.delete(&a.key).await?;
                Ok("null".to_string())
            })
        }
        "kvList" => {
            let a: KvList = parse(kind, args)?;
            let kv = host.env.kv_namespace(&a.binding)?;
            let options = ListOptions {
                prefix: a.prefix,
                limit: a.limit,
                cursor: a.cursor,
            };
            Box::pin(async move {
                let page = kv.list(options).await?;
                let keys: Vec<Value> = page
                    .keys
                    .into_iter()
                    .map(|k| value!({ "name": k.name, "expiration": k.expiration, "metadata": k.metadata }))
                    .collect();
                json(
                    &value!({ "keys": keys, "list_complete": page.list_complete, "cursor": page.cursor }),
                )
            })
        }
        "queueSend" => {
            let a: QueueSend = parse(kind, args)?;
            let queue = host.env.queue(&a.binding)?;
            let options = SendOptions::delay(delay(a.delay_seconds)?);
            Box::pin(async move {
                match &a.bodies[..] {
                    [body] if !a.batch => queue.send_with(&**body, options).await?,
                    bodies => queue.send_batch(bodies, options).await?,
                }
                Ok("null".to_string())
            })
        }
        "serviceFetch" => {
            let a: ServiceFetch = parse(kind, args)?;
            let call = host
                .env
                .service(&a.binding)?
                .fetch(a.request.into_request());
            Box::pin(async move { response(call.await?) })
        }
        other => return super::bucket::start(host, other, args),
    };
    Ok(fut)
}

/// A queue delay in seconds, as JavaScript gives it.
fn delay(seconds: Option<f64>) -> Result<Duration> {
    let seconds = seconds.unwrap_or(0.0);
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(Error::type_error(format!(
            "delaySeconds must be a non-negative number, not {seconds}"
        )));
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KvGet {
    binding: String,
    key: String,
    #[serde(default)]
    cache_ttl: Option<u64>,
    #[serde(default)]
    bytes: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KvPut {
    binding: String,
    key: String,
    #[serde(flatten)]
    value: Bytes,
    #[serde(default)]
    expiration: Option<u64>,
    #[serde(default)]
    expiration_ttl: Option<u64>,
    #[serde(default)]
    metadata: Option<Value>,
}

/// A value JavaScript writes: `{"text"}` for a string, `{"bytes"}` for an
/// `ArrayBuffer` or a view of one.
#[derive(Deserialize)]
pub(crate) struct Bytes {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    bytes: Option<Vec<u8>>,
}

impl Bytes {
    /// The bytes to store (a string as UTF-8).
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        match (self.text, self.bytes) {
            (Some(text), _) => text.into_bytes(),
            (None, Some(bytes)) => bytes,
            (None, None) => Vec::new(),
        }
    }
}

#[derive(Deserialize)]
struct KvKey {
    binding: String,
    key: String,
}

#[derive(Deserialize)]
struct KvList {
    binding: String,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    limit: Option<usize>,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueueSend {
    binding: String,
    bodies: Vec<Box<RawValue>>,
    #[serde(default)]
    batch: bool,
    #[serde(default)]
    delay_seconds: Option<f64>,
}

#[derive(Deserialize)]
struct ServiceFetch {
    binding: String,
    #[serde(flatten)]
    request: FetchRequest,
}
