//! The error an object or a caller can observe.
//!
//! Mirrors what JavaScript code sees from the real runtime: an error has a
//! name (`Error`, `TypeError`, `RangeError`, …), a message whose text users
//! match on, and the flags a stub error carries (`remote`, `retryable`,
//! `overloaded`, `durable_object_reset`). It serialises, because errors cross
//! the simulated network from the object back to its caller.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The result of anything an object or a stub does.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error as the Durable Objects runtime reports it.
///
/// ```
/// use dosim::Error;
/// let e = Error::new("boom");
/// assert_eq!(e.to_string(), "Error: boom");
/// assert_eq!(e.message(), "boom");
/// let t = Error::type_error("List limit must be positive.");
/// assert_eq!(t.to_string(), "TypeError: List limit must be positive.");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Error {
    name: String,
    message: String,
    /// Thrown by the object's own code (as opposed to the runtime).
    #[serde(default)]
    pub remote: bool,
    /// The runtime lost the connection; a new stub may succeed.
    #[serde(default)]
    pub retryable: bool,
    /// The object is overloaded; retrying makes it worse.
    #[serde(default)]
    pub overloaded: bool,
    /// The object was reset (code update, storage failure).
    #[serde(default)]
    pub durable_object_reset: bool,
}

impl Error {
    /// A plain `Error` with `message`.
    pub fn new(message: impl Into<String>) -> Error {
        Error::named("Error", message)
    }

    /// An error with a given JavaScript-style `name`.
    pub fn named(name: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            name: name.into(),
            message: message.into(),
            remote: false,
            retryable: false,
            overloaded: false,
            durable_object_reset: false,
        }
    }

    /// A `TypeError`, as the runtime throws for a misused API.
    pub fn type_error(message: impl Into<String>) -> Error {
        Error::named("TypeError", message)
    }

    /// A `RangeError`, as the runtime throws for a value over a limit.
    pub fn range_error(message: impl Into<String>) -> Error {
        Error::named("RangeError", message)
    }

    /// A `DataCloneError`: a value could not cross to the other side.
    pub fn data_clone(message: impl Into<String>) -> Error {
        Error::named("DataCloneError", message)
    }

    /// The connection to the object was lost before an answer came back.
    pub fn connection_lost() -> Error {
        let mut e = Error::new("Network connection lost.");
        e.retryable = true;
        e
    }

    /// The same error, flagged as a reset of the object.
    pub(crate) fn with_reset(mut self) -> Error {
        self.durable_object_reset = true;
        self
    }

    /// The error's name (`Error`, `TypeError`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The error's message, the text users match on.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error, marked as thrown inside the object.
    pub(crate) fn into_remote(mut self) -> Error {
        self.remote = true;
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::new(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error::new(message)
    }
}

/// Fails with an [`Error`] built from a format string.
///
/// ```
/// fn check(n: u32) -> dosim::Result<()> {
///     if n > 3 { dosim::bail!("{n} is too many"); }
///     Ok(())
/// }
/// assert_eq!(check(4).unwrap_err().message(), "4 is too many");
/// ```
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => {
        return ::core::result::Result::Err($crate::Error::new(::std::format!($($arg)*)))
    };
}
