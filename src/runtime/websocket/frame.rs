//! What travels on a socket: messages, and the events an object handles.

use serde::{Deserialize, Serialize};

/// A normal close.
pub const CLOSE_NORMAL: u16 = 1000;
/// The connection broke without a close frame (a crash, a reset, a
/// partition); never sent by an endpoint itself.
pub const CLOSE_ABNORMAL: u16 = 1006;
/// The server restarts (a code update).
pub const CLOSE_SERVICE_RESTART: u16 = 1012;
/// The largest message an object may receive (32 MiB).
pub const MESSAGE_BYTES_MAX: usize = 32 << 20;

/// One WebSocket message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    /// A text frame.
    Text(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

impl Message {
    /// The text, if this is a text frame.
    pub fn text(&self) -> Option<&str> {
        match self {
            Message::Text(t) => Some(t),
            Message::Binary(_) => None,
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Message::Text(t) => t.len(),
            Message::Binary(b) => b.len(),
        }
    }
}

impl From<&str> for Message {
    fn from(t: &str) -> Message {
        Message::Text(t.to_string())
    }
}

impl From<String> for Message {
    fn from(t: String) -> Message {
        Message::Text(t)
    }
}

impl From<Vec<u8>> for Message {
    fn from(b: Vec<u8>) -> Message {
        Message::Binary(b)
    }
}

/// What an object's socket handler is called for.
#[derive(Clone, Debug)]
pub(crate) enum SocketEvent {
    Message(Message),
    Close {
        code: u16,
        reason: String,
        was_clean: bool,
    },
    /// The connection broke (the client's side went away).
    Error(String),
}

/// What a client receives on a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// A message from the object.
    Message(Message),
    /// The socket closed (by the object, or abnormally with 1006).
    Close {
        /// The close code.
        code: u16,
        /// The reason given.
        reason: String,
    },
}
