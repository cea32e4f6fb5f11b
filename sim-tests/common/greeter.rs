//! An object that greets each new socket before the client can answer.
// Not every test crate that shares `common` greets.
#![allow(dead_code)]

use dosim::{
    DurableObject, Env, Message, Request, Response, Result, State, WebSocket, WebSocketPair,
};

/// What [`Greeter`] sends on each new socket, in order.
pub const GREETING: [&str; 3] = ["hello", "welcome", "rules"];

/// Sends [`GREETING`] on a new socket before its response leaves, so every
/// frame is on its way before the client's `connect` resolves; then echoes
/// what the client sends.
pub struct Greeter {
    state: State,
}

impl DurableObject for Greeter {
    fn new(state: State, _env: Env) -> Self {
        Greeter { state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        let pair = WebSocketPair::new(&self.state)?;
        self.state.accept_websocket(&pair.server, &["greeted"])?;
        for line in GREETING {
            pair.server.send(line)?;
        }
        Ok(Response::websocket(pair.client))
    }

    async fn websocket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        ws.send(message.text().unwrap_or_default().to_string())
    }
}

impl dosim::RpcTarget for Greeter {}
