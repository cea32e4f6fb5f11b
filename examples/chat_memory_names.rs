//! `chat_memory_names`: the chat room's buggy twin, which dosim must catch.
//!
//! It remembers who is behind each socket in a map in memory instead of in
//! the socket's attachment. That works until the room hibernates: the new
//! instance starts with an empty map, and the next message is posted under
//! no name. The workload is the chat's own, so the property that fails is
//! "the room echoed a message with its author's name".
//!
//! ```text
//! cargo run --release --example chat_memory_names -- --seeds 200   # exits 1
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::process::ExitCode;

use dosim::{
    DurableObject, Env, Message, Request, Response, Result, State, WebSocket, WebSocketPair,
};

#[path = "chat.rs"]
pub mod chat;
use chat::RoomRpc;

/// A room that keeps member names only in memory.
pub struct ForgetfulRoom {
    state: State,
    /// The bug: lost when the instance hibernates.
    names: RefCell<BTreeMap<u64, String>>,
}

impl DurableObject for ForgetfulRoom {
    fn new(state: State, _env: Env) -> Self {
        chat::setup(&state);
        ForgetfulRoom {
            state,
            names: RefCell::new(BTreeMap::new()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let name = chat::joining_name(&req)?;
        let pair = WebSocketPair::new(&self.state)?;
        self.state.accept_websocket(&pair.server, &["member"])?;
        self.names.borrow_mut().insert(pair.server.id(), name);
        Ok(Response::websocket(pair.client))
    }

    async fn websocket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        let name = self
            .names
            .borrow()
            .get(&ws.id())
            .cloned()
            .unwrap_or_else(|| "?".to_string());
        chat::post(&self.state, &name, message)
    }
}

dosim::rpc! {
    impl RoomRpc for ForgetfulRoom {
        async fn history(&self) -> Result<Vec<(String, String)>> {
            chat::history(&self.state)
        }
    }
}

fn main() -> ExitCode {
    dosim::cli_main(
        chat::runner("chat_memory_names"),
        chat::workload::<ForgetfulRoom>,
    )
}
