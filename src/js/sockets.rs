//! WebSockets for JavaScript objects: `WebSocketPair`, the hibernation API
//! on `ctx` (`acceptWebSocket`, `getWebSockets`, `getTags`,
//! `setWebSocketAutoResponse`) and each socket's `send`, `close` and
//! attachment, on the runtime's own sockets.
//!
//! JavaScript holds a socket by its id. The host keeps the handle of every
//! socket this instance has seen, by id; after hibernation a new instance
//! meets the same sockets again through its handlers and
//! `getWebSockets`, and their ids are the same.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::host::{json, parse, Host};
use crate::runtime::{Error, Result, WebSocket, WebSocketClientEnd, WebSocketPair};

/// The sockets an instance's JavaScript holds.
#[derive(Default)]
pub(crate) struct Sockets {
    server: RefCell<BTreeMap<u64, WebSocket>>,
    /// Client ends of new pairs, until a `fetch` answer carries one out.
    client: RefCell<BTreeMap<u64, WebSocketClientEnd>>,
}

impl Sockets {
    /// The id JavaScript knows `ws` by; remembers the handle.
    pub(crate) fn hold(&self, ws: WebSocket) -> u64 {
        let id = ws.id();
        self.server.borrow_mut().insert(id, ws);
        id
    }

    /// The client end of the pair `id`, for the upgrade answer.
    pub(crate) fn take_client(&self, id: u64) -> Result<WebSocketClientEnd> {
        self.client.borrow_mut().remove(&id).ok_or_else(|| {
            Error::type_error(format!(
                "the response's webSocket ({id}) is not the client end of a new WebSocketPair"
            ))
        })
    }

    fn server(&self, id: u64) -> Result<WebSocket> {
        self.server
            .borrow()
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::type_error(format!("no WebSocket {id} in this object")))
    }
}

#[derive(Deserialize)]
struct Args {
    #[serde(default)]
    id: u64,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    tag: Option<String>,
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    bytes: Option<Vec<u8>>,
    #[serde(default)]
    code: u16,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    value: Option<Box<RawValue>>,
    #[serde(default)]
    pair: Option<(String, String)>,
}

/// Answers the socket request `kind`.
pub(crate) fn call(host: &Host, kind: &str, args: &str) -> Result<String> {
    let a: Args = parse(kind, if args == "null" { "{}" } else { args })?;
    let state = &host.state;
    let sockets = &host.sockets;
    match kind {
        "wsPair" => {
            let pair = WebSocketPair::new(state)?;
            let id = sockets.hold(pair.server);
            sockets.client.borrow_mut().insert(id, pair.client);
            json(&id)
        }
        "wsAccept" => {
            let tags: Vec<&str> = a.tags.iter().map(String::as_str).collect();
            state.accept_websocket(&sockets.server(a.id)?, &tags)?;
            Ok("null".to_string())
        }
        "wsGet" => {
            let ids: Vec<u64> = state
                .get_websockets(a.tag.as_deref())
                .into_iter()
                .map(|ws| sockets.hold(ws))
                .collect();
            json(&ids)
        }
        "wsTags" => json(&state.get_tags(&sockets.server(a.id)?)?),
        "wsSend" => {
            let ws = sockets.server(a.id)?;
            match (a.text, a.bytes) {
                (Some(text), _) => ws.send(text)?,
                (None, Some(bytes)) => ws.send(bytes)?,
                (None, None) => ws.send("")?,
            }
            Ok("null".to_string())
        }
        "wsClose" => {
            sockets.server(a.id)?.close(a.code, &a.reason)?;
            Ok("null".to_string())
        }
        "wsAttach" => {
            let ws = sockets.server(a.id)?;
            match a.value {
                Some(value) => ws.serialize_attachment(&value)?,
                None => ws.serialize_attachment(&serde_json::Value::Null)?,
            }
            Ok("null".to_string())
        }
        "wsAttachment" => {
            let found: Option<Box<RawValue>> = sockets.server(a.id)?.deserialize_attachment()?;
            Ok(found.map_or_else(|| "[]".to_string(), |v| format!("[{}]", v.get())))
        }
        "wsAutoResponse" => {
            let pair = a.pair.as_ref().map(|(q, r)| (q.as_str(), r.as_str()));
            state.set_websocket_auto_response(pair)?;
            Ok("null".to_string())
        }
        other => Err(Error::type_error(format!("unknown host call {other}"))),
    }
}
