//! The KV namespace's limits and the exact error texts it refuses bad input
//! with, as the Workers runtime words them (`KV <METHOD> failed: <status>
//! <text>`), so a test sees what production would show.

use crate::runtime::error::{Error, Result};

/// The longest key, in UTF-8 bytes.
pub const KEY_BYTES_MAX: usize = 512;
/// The largest value, in bytes (25 MiB).
pub const VALUE_BYTES_MAX: usize = 26_214_400;
/// The largest metadata, in bytes of JSON.
pub const METADATA_BYTES_MAX: usize = 1024;
/// The most keys one list page holds.
pub const LIST_LIMIT_MAX: usize = 1000;
/// The shortest `expiration_ttl` and `cache_ttl`, in seconds.
pub const TTL_SECONDS_MIN: u64 = 60;

/// `method`'s error with HTTP `status` and `text`.
pub(crate) fn failed(method: &str, status: u16, text: &str) -> Error {
    Error::new(format!("KV {method} failed: {status} {text}"))
}

/// Checks a key as the runtime does before any request.
pub(crate) fn key(method: &str, key: &str) -> Result<()> {
    match key {
        "" => Err(Error::type_error("Key name cannot be empty.")),
        "." | ".." => Err(Error::type_error(format!(
            "\"{key}\" is not allowed as a key name."
        ))),
        _ if key.len() > KEY_BYTES_MAX => Err(failed(
            method,
            414,
            &format!(
                "UTF-8 encoded length of {} exceeds key length limit of {KEY_BYTES_MAX}.",
                key.len()
            ),
        )),
        _ => Ok(()),
    }
}

/// Checks a read's `cache_ttl`, in seconds.
pub(crate) fn cache_ttl(seconds: u64) -> Result<()> {
    if seconds < TTL_SECONDS_MIN {
        return Err(failed(
            "GET",
            400,
            &format!(
                "Invalid cache_ttl of {seconds}. Cache TTL must be at least {TTL_SECONDS_MIN}."
            ),
        ));
    }
    Ok(())
}

/// The absolute expiration of a put, from its options, at `now_s` (Unix
/// seconds); errors in the service's words.
pub(crate) fn expiration(
    expiration: Option<u64>,
    expiration_ttl: Option<u64>,
    now_s: u64,
) -> Result<Option<u64>> {
    let bad = |text: String| Err(failed("PUT", 400, &text));
    if let Some(ttl) = expiration_ttl {
        if ttl == 0 {
            return bad(
                "Invalid expiration_ttl of 0. Please specify integer greater than 0.".to_string(),
            );
        }
        if ttl < TTL_SECONDS_MIN {
            return bad(format!(
                "Invalid expiration_ttl of {ttl}. Expiration TTL must be at least {TTL_SECONDS_MIN}."
            ));
        }
        return Ok(Some(now_s.saturating_add(ttl)));
    }
    if let Some(at) = expiration {
        if at <= now_s {
            return bad(format!("Invalid expiration of {at}. Please specify integer greater than the current number of seconds since the UNIX epoch."));
        }
        if at < now_s + TTL_SECONDS_MIN {
            return bad(format!(
                "Invalid expiration of {at}. Expiration times must be at least {TTL_SECONDS_MIN} seconds in the future."
            ));
        }
        return Ok(Some(at));
    }
    Ok(None)
}

/// Checks a value's and its metadata's sizes; returns the metadata as JSON
/// text.
pub(crate) fn value_and_metadata(
    value: &[u8],
    metadata: Option<&serde_json::Value>,
) -> Result<Option<String>> {
    if value.len() > VALUE_BYTES_MAX {
        return Err(failed(
            "PUT",
            413,
            &format!(
                "Value length of {} exceeds limit of {VALUE_BYTES_MAX}.",
                value.len()
            ),
        ));
    }
    let Some(metadata) = metadata else {
        return Ok(None);
    };
    let text = metadata.to_string();
    if text.len() > METADATA_BYTES_MAX {
        return Err(failed(
            "PUT",
            413,
            &format!(
                "Metadata length of {} exceeds limit of {METADATA_BYTES_MAX}.",
                text.len()
            ),
        ));
    }
    Ok(Some(text))
}

/// Checks a list's `limit`.
pub(crate) fn list_limit(limit: usize) -> Result<()> {
    if limit == 0 {
        return Err(failed(
            "GET",
            400,
            "Invalid key_count_limit of 0. Please specify an integer greater than 0.",
        ));
    }
    if limit > LIST_LIMIT_MAX {
        return Err(failed(
            "GET",
            400,
            &format!("Invalid key_count_limit of {limit}. Please specify an integer less than {LIST_LIMIT_MAX}."),
        ));
    }
    Ok(())
}
