//! Per-object storage on SQLite: the KV database, write batches and their
//! confirmation, fencing of stale instances, and the input and output gates.

pub(crate) mod authorizer;
pub(crate) mod database;
pub(crate) mod error;
pub(crate) mod input_gate;
pub(crate) mod output_gate;
pub(crate) mod service;
pub(crate) mod sql_clock;
pub(crate) mod sql_error;
pub(crate) mod sql_value;

pub use database::{
    ListOptions, BOOKMARK_WINDOW, SQL_BINDINGS_MAX, SQL_COLUMNS_MAX, SQL_LENGTH_MAX,
    SQL_VALUE_BYTES_MAX,
};
#[allow(deprecated)]
pub use sql_clock::SQL_EPOCH_UNIX_MS;
pub use sql_value::{Bindings, SqlValue};
