//! `WebSocket`, `WebSocketPair` and `WebSocketIncomingMessage`.
//!
//! workers-rs gives both ends of a pair one type. Here the server end is
//! dosim's object-side socket; the client end only travels: put into a
//! `101` response it goes to the client that sent the upgrade, which is
//! all an object does with it. Using the client end any other way is an
//! error saying so.

use std::cell::RefCell;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Error, Result};
use super::unmirrored::{NotMirrored, WebSocketEvents};

/// One end of a WebSocket.
#[derive(Debug, Clone)]
pub struct WebSocket(End);

#[derive(Debug, Clone)]
enum End {
    Server(dosim::WebSocket),
    /// Taken once, when the response carrying it goes out.
    Client(Rc<RefCell<Option<dosim::WebSocketClientEnd>>>),
}

impl PartialEq for WebSocket {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (End::Server(a), End::Server(b)) => a == b,
            (End::Client(a), End::Client(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for WebSocket {}

/// The two ends of a new socket, made in `fetch` to answer an upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSocketPair {
    /// The end that goes back in the `101` response.
    pub client: WebSocket,
    /// The object's end.
    pub server: WebSocket,
}

impl WebSocketPair {
    /// A new socket for the object whose event is running.
    pub fn new() -> Result<Self> {
        let pair = dosim::WebSocketPair::in_current_event()?;
        Ok(WebSocketPair {
            client: WebSocket::client_end(pair.client),
            server: WebSocket::server(pair.server),
        })
    }
}

/// A message a handler gets.
#[derive(Debug)]
pub enum WebSocketIncomingMessage {
    /// A text frame.
    String(String),
    /// A binary frame.
    Binary(Vec<u8>),
}

impl From<dosim::Message> for WebSocketIncomingMessage {
    fn from(m: dosim::Message) -> Self {
        match m {
            dosim::Message::Text(t) => WebSocketIncomingMessage::String(t),
            dosim::Message::Binary(b) => WebSocketIncomingMessage::Binary(b),
        }
    }
}

impl WebSocket {
    pub(crate) fn server(ws: dosim::WebSocket) -> WebSocket {
        WebSocket(End::Server(ws))
    }

    pub(crate) fn client_end(end: dosim::WebSocketClientEnd) -> WebSocket {
        WebSocket(End::Client(Rc::new(RefCell::new(Some(end)))))
    }

    /// dosim's object-side socket; an error for a client end.
    pub(crate) fn as_server(&self) -> Result<&dosim::WebSocket> {
        match &self.0 {
            End::Server(ws) => Ok(ws),
            End::Client(_) => Err(Error::RustError(
                "dosim-worker: the client end of a WebSocketPair can only be returned in a 101 \
                 response; use the server end in the object"
                    .into(),
            )),
        }
    }

    /// The client end, for the response carrying it.
    pub(crate) fn take_client_end(self) -> Result<dosim::WebSocketClientEnd> {
        match self.0 {
            End::Client(end) => end.borrow_mut().take().ok_or_else(|| {
                Error::RustError("this WebSocket was already returned in a response".into())
            }),
            End::Server(_) => Err(Error::RustError(
                "a 101 response must carry the client end of a WebSocketPair, not the server end"
                    .into(),
            )),
        }
    }

    /// Accepts the socket without hibernation: it lives as long as this
    /// instance.
    pub fn accept(&self) -> Result<()> {
        Ok(self.as_server()?.accept()?)
    }

    /// Sends `data` as JSON in a text frame.
    pub fn send<T: Serialize>(&self, data: &T) -> Result<()> {
        self.send_with_str(serde_json::to_string(data)?)
    }

    /// Sends a text frame.
    pub fn send_with_str<S: AsRef<str>>(&self, data: S) -> Result<()> {
        let message = dosim::Message::Text(data.as_ref().to_string());
        Ok(self.as_server()?.send(message)?)
    }

    /// Sends a binary frame.
    pub fn send_with_bytes<D: AsRef<[u8]>>(&self, bytes: D) -> Result<()> {
        let message = dosim::Message::Binary(bytes.as_ref().to_vec());
        Ok(self.as_server()?.send(message)?)
    }

    /// Closes the socket; the reason is ignored without a code, as in
    /// workers-rs.
    pub fn close<S: AsRef<str>>(&self, code: Option<u16>, reason: Option<S>) -> Result<()> {
        let ws = self.as_server()?;
        match code {
            Some(code) => ws.close(code, reason.as_ref().map_or("", |r| r.as_ref()))?,
            None => ws.close(0, "")?,
        }
        Ok(())
    }

    /// Not mirrored: yields JS events in workers-rs.
    pub fn events<'a>(&'a self) -> Result<NotMirrored>
    where
        &'a (): WebSocketEvents,
    {
        Err(Error::RustError("not mirrored".into()))
    }

    /// Keeps `value` with the socket, across hibernation.
    pub fn serialize_attachment<T: Serialize>(&self, value: T) -> Result<()> {
        Ok(self.as_server()?.serialize_attachment(&value)?)
    }

    /// The value kept with the socket, if any.
    pub fn deserialize_attachment<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        Ok(self.as_server()?.deserialize_attachment()?)
    }
}
