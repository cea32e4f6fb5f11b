//! A client's connection to an agent: a hibernatable WebSocket with an id
//! and a small state of its own.
//!
//! Everything a connection knows lives in the socket's attachment, never in
//! the agent's memory, so it survives hibernation: a woken agent rebuilds
//! each connection from its socket. A socket without the agent's
//! attachment is not a connection of the agent and is left alone.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::runtime::{Error, Message, Result, WebSocket};

/// What the agent keeps with each socket.
#[derive(Serialize, Deserialize)]
pub(crate) struct Attachment {
    /// The connection's id.
    pub(crate) id: String,
    /// The application's state for the connection (`null`: none).
    #[serde(default)]
    pub(crate) state: Value,
}

/// One client's connection to an agent. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Connection {
    ws: WebSocket,
    id: String,
}

impl Connection {
    /// The connection on `ws`, if the agent accepted it.
    pub(crate) fn from_socket(ws: WebSocket) -> Option<Connection> {
        let attachment = ws.deserialize_attachment::<Attachment>().ok()??;
        Some(Connection {
            ws,
            id: attachment.id,
        })
    }

    /// A new connection on `ws`: writes its attachment.
    pub(crate) fn attach(ws: WebSocket, id: String) -> Result<Connection> {
        ws.serialize_attachment(&Attachment {
            id: id.clone(),
            state: Value::Null,
        })?;
        Ok(Connection { ws, id })
    }

    /// The connection's id: the client's `_pk` query parameter, or one the
    /// agent made from the socket's number.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The socket underneath.
    pub fn socket(&self) -> &WebSocket {
        &self.ws
    }

    /// Sends `message` to the client (once the writes before it are
    /// confirmed, like every output).
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        self.ws.send(message)
    }

    /// Closes the connection with `code` and `reason`.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        self.ws.close(code, reason)
    }

    /// The connection's own state, if one was set.
    pub fn state<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        let Some(attachment) = self.ws.deserialize_attachment::<Attachment>()? else {
            return Ok(None);
        };
        if attachment.state.is_null() {
            return Ok(None);
        }
        serde_json::from_value(attachment.state)
            .map(Some)
            .map_err(|e| Error::type_error(format!("the connection's state: {e}")))
    }

    /// Replaces the connection's own state; it survives hibernation.
    pub fn set_state<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let state = serde_json::to_value(value)
            .map_err(|e| Error::data_clone(format!("the connection's state: {e}")))?;
        self.ws.serialize_attachment(&Attachment {
            id: self.id.clone(),
            state,
        })
    }
}
