//! The mirror of workers-rs's Durable Objects surface (under `--cfg
//! madsim`), one file per concept, re-exported at the crate root as
//! `worker` re-exports its own.

mod console;
mod context;
mod env;
mod error;
mod glue;
mod headers;
mod kv;
mod method;
mod namespace;
mod object;
mod request;
mod response;
mod sql;
mod state;
mod storage;
mod time;
pub mod unmirrored;
mod websocket;

pub use context::Context;
pub use dosim_worker_macros::{durable_object, event};
pub use env::{Env, Secret, StringBinding, Var};
pub use error::{Error, Result};
pub use headers::Headers;
pub use kv::{
    GetOptionsBuilder, Key, KvError, KvStore, ListOptionsBuilder, ListResponse, PutOptionsBuilder,
    ToRawKvValue,
};
pub use method::Method;
pub use namespace::{ObjectId, ObjectNamespace, Stub};
pub use object::{has_durable_object_attribute, DurableObject};
pub use request::{Request, RequestInit};
pub use response::{Response, ResponseBody, ResponseBuilder};
pub use sql::{SqlCursor, SqlCursorIterator, SqlCursorRawIterator, SqlStorage, SqlStorageValue};
pub use state::State;
pub use storage::{
    GetAlarmOptions, ListOptions, ScheduledTime, SetAlarmOptions, Storage, Transaction,
};
pub use time::{Date, DateInit, Delay};
pub use url::Url;
pub use websocket::{WebSocket, WebSocketIncomingMessage, WebSocketPair};

/// The durable-object items under the path workers-rs also gives them.
pub mod durable {
    pub use super::{
        DurableObject, ObjectId, ObjectNamespace, ScheduledTime, State, Storage, Stub, Transaction,
        WebSocketIncomingMessage,
    };
}

/// What the attribute macros expand to; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use super::glue::*;
}
