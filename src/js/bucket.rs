//! A bucket binding in a JavaScript object's `env`: `put`, `get`, `head`,
//! `delete` and `list`, each the future of the Rust platform's
//! [`Bucket`](crate::platform::bucket::Bucket), so its limits, error
//! texts, faults and the output gate are a Rust object's.
//!
//! An object crosses as JSON: its metadata (`uploaded` in Unix
//! milliseconds) and, for a `get` whose conditions held, its body both as
//! bytes and as text, since the prelude has no UTF-8 decoder of its own.

use futures::future::LocalBoxFuture;
use serde::Deserialize;
use serde_json::{json as value, Value};

use super::host::{json, parse, Host};
use super::platform::Bytes;
use crate::platform::bucket::{
    BucketListOptions, BucketObject, Conditional, GetOptions, PutOptions, Range,
};
use crate::runtime::{Error, Result};

/// The future of the bucket operation `kind` with JSON `args`.
pub(crate) fn start(
    host: &Host,
    kind: &str,
    args: &str,
) -> Result<LocalBoxFuture<'static, Result<String>>> {
    let fut: LocalBoxFuture<'static, Result<String>> = match kind {
        "bucketPut" => {
            let a: Put = parse(kind, args)?;
            let bucket = host.env.bucket(&a.binding)?;
            let options = PutOptions {
                custom_metadata: a.custom_metadata.unwrap_or_default(),
                only_if: a.only_if.map(OnlyIf::into_conditional),
            };
            let body = a.body.into_bytes();
            Box::pin(async move {
                json(
                    &bucket
                        .put(&a.key, body, options)
                        .await?
                        .as_ref()
                        .map(object),
                )
            })
        }
        "bucketGet" | "bucketHead" => {
            let a: Get = parse(kind, args)?;
            let bucket = host.env.bucket(&a.binding)?;
            let options = GetOptions {
                range: a.range.map(RangeArgs::into_range).transpose()?,
                only_if: a.only_if.map(OnlyIf::into_conditional),
            };
            let head = kind == "bucketHead";
            Box::pin(async move {
                let found = if head {
                    bucket.head(&a.key).await?
                } else {
                    bucket.get(&a.key, options).await?
                };
                json(&found.as_ref().map(object))
            })
        }
        "bucketDelete" => {
            let a: Delete = parse(kind, args)?;
            let bucket = host.env.bucket(&a.binding)?;
            Box::pin(async move {
                bucket.delete_many(&a.keys).await?;
                Ok("null".to_string())
            })
        }
        "bucketList" => {
            let a: List = parse(kind, args)?;
            let bucket = host.env.bucket(&a.binding)?;
            let options = BucketListOptions {
                prefix: a.prefix,
                cursor: a.cursor,
                delimiter: a.delimiter,
                limit: a.limit,
                include_custom_metadata: a.include.iter().any(|i| i == "customMetadata"),
            };
            Box::pin(async move {
                let page = bucket.list(options).await?;
                let objects: Vec<Value> = page.objects.iter().map(object).collect();
                json(&value!({
                    "objects": objects,
                    "delimitedPrefixes": page.delimited_prefixes,
                    "truncated": page.truncated,
                    "cursor": page.cursor,
                }))
            })
        }
        other => return Err(Error::type_error(format!("unknown host operation {other}"))),
    };
    Ok(fut)
}

/// An object as the prelude builds its `R2Object` from.
fn object(o: &BucketObject) -> Value {
    let uploaded = o
        .uploaded
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as f64;
    let mut v = value!({
        "key": o.key,
        "version": o.version,
        "size": o.size,
        "etag": o.etag,
        "httpEtag": o.http_etag,
        "uploaded": uploaded,
        "customMetadata": o.custom_metadata,
    });
    if let Some(body) = &o.body {
        v["bytes"] = value!(body);
        v["text"] = value!(String::from_utf8_lossy(body));
    }
    v
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnlyIf {
    #[serde(default)]
    etag_matches: Option<String>,
    #[serde(default)]
    etag_does_not_match: Option<String>,
}

impl OnlyIf {
    fn into_conditional(self) -> Conditional {
        Conditional {
            etag_matches: self.etag_matches,
            etag_does_not_match: self.etag_does_not_match,
        }
    }
}

#[derive(Deserialize)]
struct RangeArgs {
    #[serde(default)]
    offset: Option<u64>,
    #[serde(default)]
    length: Option<u64>,
    #[serde(default)]
    suffix: Option<u64>,
}

impl RangeArgs {
    fn into_range(self) -> Result<Range> {
        match (self.offset, self.length, self.suffix) {
            (None, None, Some(suffix)) => Ok(Range::Suffix(suffix)),
            (offset, length, None) => Ok(Range::Offset {
                offset: offset.unwrap_or(0),
                length,
            }),
            _ => Err(Error::type_error(
                "a range has either a suffix or an offset and length, not both",
            )),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Put {
    binding: String,
    key: String,
    #[serde(flatten)]
    body: Bytes,
    #[serde(default)]
    custom_metadata: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    only_if: Option<OnlyIf>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Get {
    binding: String,
    key: String,
    #[serde(default)]
    range: Option<RangeArgs>,
    #[serde(default)]
    only_if: Option<OnlyIf>,
}

#[derive(Deserialize)]
struct Delete {
    binding: String,
    keys: Vec<String>,
}

#[derive(Deserialize)]
struct List {
    binding: String,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    delimiter: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    include: Vec<String>,
}
