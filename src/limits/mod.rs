//! The runtime's limits, timeouts and defaults, in one place.
//!
//! Each is a constant the runtime enforces (an error names it when it is
//! exceeded) or waits for; where production publishes a number, dosim uses
//! the same one, so an object that fits here fits there. The storage
//! API's size limits come in two profiles ([`Limits`]): production's, the
//! default, and local workerd's, for tests that reproduce what a developer
//! sees locally.

mod profile;

pub use profile::Limits;
pub(crate) use profile::{BATCH_KEYS_PRODUCTION, KEY_BYTES_PRODUCTION, VALUE_BYTES_PRODUCTION};

pub use crate::check::{FAULT_WINDOW_DEFAULT, SEEDS_DEFAULT};
pub use crate::runtime::{
    ALARM_HANDLER_TIMEOUT, ALARM_RETRIES_MAX, ALARM_RETRY_FIRST, ATTACHMENT_BYTES_MAX,
    AUTO_RESPONSE_BYTES_MAX, BATCH_KEYS_MAX, BLOCK_CONCURRENCY_DEPTH_MAX,
    BLOCK_CONCURRENCY_TIMEOUT, CALL_ATTEMPTS_MAX, HIBERNATABLE_SOCKETS_MAX, HIBERNATION_IDLE,
    IDLE_EVICTION_MAX, IDLE_EVICTION_MIN, KEY_BYTES_MAX, MESSAGE_BYTES_MAX, RPC_PAYLOAD_BYTES_MAX,
    TAGS_MAX, TAG_CHARS_MAX,
};
pub use crate::storage::{
    BOOKMARK_WINDOW, SQL_BINDINGS_MAX, SQL_COLUMNS_MAX, SQL_LENGTH_MAX, SQL_VALUE_BYTES_MAX,
};
