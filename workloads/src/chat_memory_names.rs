//! The `chat_memory_names` example: the chat room's buggy twin, which
//! forgets its members' names when it hibernates; the chat's workload must
//! catch it.

use std::cell::RefCell;
use std::collections::BTreeMap;

use dosim::{
    DurableObject, Env, Message, Request, Response, Result, State, WebSocket, WebSocketPair,
};

use crate::chat::{self, Room, RoomRpc};

/// A room that keeps member names only in memory. Its RPC methods are
/// [`Room`]'s, run on the wrapped room.
pub struct ForgetfulRoom {
    state: State,
    inner: Room,
    /// The bug: lost when the instance hibernates.
    names: RefCell<BTreeMap<u64, String>>,
}

impl DurableObject for ForgetfulRoom {
    fn new(state: State, env: Env) -> Self {
        ForgetfulRoom {
            inner: Room::new(state.clone(), env),
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

#[dosim::rpc_methods(impl RoomRpc, fallback = inner)]
impl ForgetfulRoom {}
