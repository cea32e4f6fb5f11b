//! A chat room on hibernatable WebSockets: each socket carries its
//! member's name as an attachment, which survives hibernation. The twin
//! keeps the names in the instance's memory instead, so once the room
//! hibernates and wakes, it no longer knows who is speaking.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;

use worker::*;

/// The name a member gives in `/ws?name=…`.
fn member_name(req: &Request) -> Result<String> {
    let url = req.url()?;
    let name = url
        .query_pairs()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.to_string());
    name.ok_or_else(|| Error::RustError("missing ?name=".into()))
}

fn broadcast(state: &State, line: &str) -> Result<()> {
    for ws in state.get_websockets() {
        // A member whose socket is closing misses the line; the others get it.
        let _ = ws.send_with_str(line);
    }
    Ok(())
}

/// A new member's socket, accepted as hibernatable; the caller keeps the
/// name its own way.
fn join(state: &State) -> Result<WebSocketPair> {
    let pair = WebSocketPair::new()?;
    state.accept_web_socket(&pair.server);
    Ok(pair)
}

fn text(message: WebSocketIncomingMessage) -> String {
    match message {
        WebSocketIncomingMessage::String(s) => s,
        WebSocketIncomingMessage::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
    }
}

/// Relays every message to every member as `name: text`.
#[durable_object]
pub struct ChatRoom {
    state: State,
}

impl DurableObject for ChatRoom {
    fn new(state: State, _env: Env) -> Self {
        ChatRoom { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let name = member_name(&req)?;
        let pair = join(&self.state)?;
        pair.server.serialize_attachment(&name)?;
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let name: String = ws
            .deserialize_attachment()?
            .unwrap_or_else(|| "anonymous".into());
        broadcast(&self.state, &format!("{name}: {}", text(message)))
    }
}

/// [`ChatRoom`] with a bug: names live in memory, lost on hibernation.
#[durable_object]
pub struct ChatMemoryNames {
    state: State,
    names: AssertUnwindSafe<RefCell<Vec<(WebSocket, String)>>>,
}

impl DurableObject for ChatMemoryNames {
    fn new(state: State, _env: Env) -> Self {
        ChatMemoryNames {
            state,
            names: AssertUnwindSafe(RefCell::new(Vec::new())),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let name = member_name(&req)?;
        let pair = join(&self.state)?;
        self.names.borrow_mut().push((pair.server.clone(), name));
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let name = self
            .names
            .borrow()
            .iter()
            .find(|(socket, _)| *socket == ws)
            .map_or_else(|| "anonymous".to_string(), |(_, name)| name.clone());
        broadcast(&self.state, &format!("{name}: {}", text(message)))
    }
}
