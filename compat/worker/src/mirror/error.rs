//! `Error` and `Result`, with workers-rs's variants and conversions.
//!
//! An error that comes from the runtime (a storage failure, a lost
//! connection, an error thrown by another object) travels as
//! [`Error::Internal`] holding dosim's error, the way workers-rs holds the
//! thrown `JsValue`: returned from a handler, it reaches the caller as the
//! same error, with the flags (`retryable`, `remote`, …) dosim's checks
//! read.

use std::fmt;

/// An error of the workers-rs API.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A body was not valid for its encoding.
    BadEncoding,
    /// A request or response body was read twice.
    BodyUsed,
    /// An error with a message and an HTTP status.
    Json((String, u16)),
    /// An error thrown by JavaScript, as its message.
    JsError(String),
    /// Never happens.
    Infallible,
    /// An error the runtime raised; workers-rs holds a `JsValue` here.
    Internal(dosim::Error),
    /// An I/O error.
    Io(std::io::Error),
    /// A binding is missing or of another kind.
    BindingError(String),
    /// A route had no data.
    RouteNoDataError,
    /// An error raised by Rust code, as its message.
    RustError(String),
    /// JSON (de)serialization failed.
    SerdeJsonError(serde_json::Error),
    /// A body was not UTF-8.
    Utf8Error(std::str::Utf8Error),
    /// A KV operation failed.
    KvError(super::kv::KvError),
}

/// A `Result` whose error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadEncoding => write!(f, "content-type mismatch"),
            Error::BodyUsed => write!(f, "body has already been read"),
            Error::Json((msg, status)) => write!(f, "{msg} (status: {status})"),
            Error::JsError(s) | Error::RustError(s) => write!(f, "{s}"),
            Error::Infallible => write!(f, "infallible"),
            Error::Internal(e) => write!(f, "{e}"),
            Error::Io(e) => write!(f, "{e}"),
            Error::BindingError(name) => write!(f, "no binding found for `{name}`"),
            Error::RouteNoDataError => write!(f, "route has no corresponding shared data"),
            Error::SerdeJsonError(e) => write!(f, "Serde Error: {e}"),
            Error::Utf8Error(e) => write!(f, "{e}"),
            Error::KvError(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<&str> for Error {
    fn from(a: &str) -> Self {
        Error::RustError(a.to_string())
    }
}

impl From<String> for Error {
    fn from(a: String) -> Self {
        Error::RustError(a)
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error::SerdeJsonError(e)
    }
}

impl From<std::str::Utf8Error> for Error {
    fn from(e: std::str::Utf8Error) -> Self {
        Error::Utf8Error(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<std::convert::Infallible> for Error {
    fn from(_: std::convert::Infallible) -> Self {
        Error::Infallible
    }
}

impl From<url::ParseError> for Error {
    fn from(e: url::ParseError) -> Self {
        Error::RustError(e.to_string())
    }
}

impl From<super::kv::KvError> for Error {
    fn from(e: super::kv::KvError) -> Self {
        Error::KvError(e)
    }
}

impl From<dosim::Error> for Error {
    fn from(e: dosim::Error) -> Self {
        Error::Internal(e)
    }
}

impl From<Error> for dosim::Error {
    /// The runtime's error back as it was; any other error as a plain
    /// `Error` with its message, as a rejected promise carries it.
    fn from(e: Error) -> Self {
        match e {
            Error::Internal(e) | Error::KvError(super::kv::KvError::JavaScript(e)) => e,
            other => dosim::Error::new(other.to_string()),
        }
    }
}
