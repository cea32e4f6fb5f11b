//! The `agent_chat_memory_names` example: the agent chat room's buggy twin,
//! which keeps usernames in a map in memory instead of in each
//! connection's state, and loses them when the room hibernates.

use std::cell::RefCell;
use std::collections::BTreeMap;

use dosim::agents::{Agent, AgentContext, Connection, ConnectionContext};
use dosim::{Env, Message, Request, Response, Result};

use crate::agent_chat::{history_response, joining_name, post, setup};

/// A room that remembers names only in memory.
pub struct ForgetfulAgentChat {
    ctx: AgentContext<u64>,
    /// The bug: lost when the instance hibernates.
    names: RefCell<BTreeMap<String, String>>,
}

impl Agent for ForgetfulAgentChat {
    type State = u64;

    fn create(ctx: AgentContext<u64>, _env: Env) -> Self {
        setup(&ctx);
        ForgetfulAgentChat {
            ctx,
            names: RefCell::new(BTreeMap::new()),
        }
    }

    fn context(&self) -> &AgentContext<u64> {
        &self.ctx
    }

    fn initial_state(&self) -> u64 {
        0
    }

    async fn on_connect(&self, conn: &Connection, ctx: &ConnectionContext) -> Result<()> {
        let name = joining_name(&ctx.request)?;
        self.names.borrow_mut().insert(conn.id().to_string(), name);
        Ok(())
    }

    async fn on_message(&self, conn: &Connection, message: Message) -> Result<()> {
        let name = self
            .names
            .borrow()
            .get(conn.id())
            .cloned()
            .unwrap_or_else(|| "?".to_string());
        post(self, conn, &name, message).await
    }

    async fn on_request(&self, req: Request) -> Result<Response> {
        history_response(&self.ctx, &req)
    }
}

/// The twin's RPC methods: none, as the room's.
#[dosim::rpc_methods(pub ForgetfulAgentChatRpc)]
impl ForgetfulAgentChat {}
