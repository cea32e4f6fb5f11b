//! The Durable Objects runtime under test: ids, namespaces, stubs, objects,
//! instances (`instance/`, with their lifecycle) and their events, alarms,
//! WebSockets, and the storage API objects see (`storage_api/`).

pub(crate) mod alarms;
pub(crate) mod binding_table;
pub(crate) mod buggify;
pub(crate) mod call;
pub(crate) mod class;
pub(crate) mod client;
pub(crate) mod context;
pub(crate) mod env;
pub(crate) mod error;
pub(crate) mod event;
pub(crate) mod fault_injector;
pub(crate) mod http;
pub(crate) mod http_json;
pub(crate) mod id;
pub(crate) mod inbox;
pub(crate) mod instance;
pub(crate) mod join;
pub(crate) mod namespace;
pub(crate) mod object;
pub(crate) mod panic_capture;
pub(crate) mod payload;
pub(crate) mod reply;
pub(crate) mod rpc;
#[allow(clippy::module_inception)]
pub(crate) mod runtime;
pub(crate) mod scheduled_time;
pub(crate) mod start;
pub(crate) mod state;
pub(crate) mod storage_api;
pub(crate) mod stub;
pub(crate) mod time;
pub(crate) mod websocket;

pub use alarms::{ALARM_HANDLER_TIMEOUT, ALARM_RETRIES_MAX, ALARM_RETRY_FIRST};
pub use buggify::buggify;
pub use client::Client;
pub use env::Env;
pub use error::{Error, Result};
pub use http::{Request, Response};
pub use id::ObjectId;
pub use instance::idle::{IDLE_EVICTION_MAX, IDLE_EVICTION_MIN};
pub use join::{join_all, JoinHandle};
pub use namespace::{AnyClass, ObjectNamespace};
pub use object::{AlarmInfo, DurableObject, RpcTarget};
pub use payload::RPC_PAYLOAD_BYTES_MAX;
pub use rpc::RpcFuture;
pub use scheduled_time::ScheduledTime;
pub use state::{State, BLOCK_CONCURRENCY_DEPTH_MAX, BLOCK_CONCURRENCY_TIMEOUT};
pub use storage_api::{
    Cursor, Row, Sql, Storage, SyncKv, Transaction, BATCH_KEYS_MAX, KEY_BYTES_MAX,
};
pub use stub::{Stub, CALL_ATTEMPTS_MAX};
pub use time::{elapsed, now, sleep};
pub use websocket::{
    ClientEvent, ClientSocket, Message, WebSocket, WebSocketClientEnd, WebSocketPair,
    ATTACHMENT_BYTES_MAX, AUTO_RESPONSE_BYTES_MAX, CLOSE_ABNORMAL, CLOSE_NORMAL,
    CLOSE_SERVICE_RESTART, HIBERNATABLE_SOCKETS_MAX, HIBERNATION_IDLE, MESSAGE_BYTES_MAX, TAGS_MAX,
    TAG_CHARS_MAX,
};
