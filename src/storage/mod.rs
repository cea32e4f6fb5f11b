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

pub use database::ListOptions;
