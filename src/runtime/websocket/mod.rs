//! WebSockets between simulated clients and objects, and hibernation.
//!
//! A client opens a socket with [`Stub::connect`](crate::Stub::connect): a
//! `fetch` whose handler makes a [`WebSocketPair`], accepts the server end —
//! as a plain socket ([`WebSocket::accept`]) or through the hibernation API
//! ([`State::accept_websocket`](crate::State::accept_websocket)) — and
//! answers with [`Response::websocket`](crate::Response::websocket).
//!
//! The runtime, not the instance, owns every socket (`registry.rs`): that is
//! what lets hibernatable sockets, their tags, attachments and the
//! auto-response outlive the instance that accepted them. Frames travel
//! over the simulated network in order (a stream: no loss, but a partition
//! or a crash breaks the connection); frames an object sends pass its
//! output gate, so a client never sees a message that depends on writes a
//! crash could still lose. On the object's side each socket's messages are
//! handled one after another — the next is delivered only when the handler
//! of the last one has finished — and a close is delivered exactly once.
//!
//! What happens to sockets when an instance ends (the lifecycle table of
//! `docs/semantics.md`):
//! hibernation and eviction keep hibernatable sockets (eviction closes
//! plain ones); a crash, a reset or a re-placement close every socket with
//! code 1006, a code update with 1012. The next message on a hibernated
//! socket builds a new instance and is delivered to it.

mod client;
mod delivery;
mod frame;
mod hibernation;
pub(crate) mod registry;
mod server;

pub use client::ClientSocket;
pub use frame::{
    ClientEvent, Message, CLOSE_ABNORMAL, CLOSE_NORMAL, CLOSE_SERVICE_RESTART, MESSAGE_BYTES_MAX,
};
pub use registry::WebSocketClientEnd;
pub use registry::{
    ATTACHMENT_BYTES_MAX, AUTO_RESPONSE_BYTES_MAX, HIBERNATABLE_SOCKETS_MAX, HIBERNATION_IDLE,
    TAGS_MAX, TAG_CHARS_MAX,
};
pub use server::{WebSocket, WebSocketPair};

pub(crate) use frame::SocketEvent;
pub(crate) use hibernation::can_hibernate;
