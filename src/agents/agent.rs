//! The `Agent` trait: what a user writes, its lifecycle hooks and the state
//! changes that run through them.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::connection::Connection;
use super::context::AgentContext;
use crate::runtime::{Env, Error, Message, Request, Response, Result};

/// Who changed an agent's state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateSource {
    /// The agent itself ([`Agent::set_state`]).
    Server,
    /// A client, over the connection with this id.
    Connection(String),
}

/// What an agent is told about a new connection.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConnectionContext {
    /// The upgrade request the client connected with.
    pub request: Request,
}

/// An agent: a Durable Object class written on the agents layer.
///
/// Every type implementing `Agent` (and, through an
/// [`#[rpc_methods]`](crate::rpc_methods) block, possibly empty, its RPC
/// methods) is a [`DurableObject`](crate::DurableObject): register it with
/// `sim.register::<MyAgent>("NAME")` as any object.
///
/// ```
/// use dosim::agents::{Agent, AgentContext, Connection};
/// use dosim::{Env, Message, Result};
///
/// struct Counter { ctx: AgentContext<u64> }
///
/// impl Agent for Counter {
///     type State = u64;
///     fn create(ctx: AgentContext<u64>, _env: Env) -> Self { Counter { ctx } }
///     fn context(&self) -> &AgentContext<u64> { &self.ctx }
///     fn initial_state(&self) -> u64 { 0 }
///
///     // Every message adds one; every client sees the new count pushed.
///     async fn on_message(&self, _conn: &Connection, _msg: Message) -> Result<()> {
///         self.set_state(self.state() + 1).await
///     }
/// }
///
/// #[dosim::rpc_methods(CounterRpc)]
/// impl Counter {
///     async fn count(&self) -> Result<u64> { Ok(self.state()) }
/// }
/// ```
pub trait Agent: Sized + 'static {
    /// The typed state, persisted as JSON and pushed to every client.
    type State: Serialize + DeserializeOwned + Clone + 'static;

    /// Methods a client may call over its connection (by name; each must be
    /// a method of the class's `#[rpc_methods]` block).
    const CALLABLE: &'static [&'static str] = &[];

    /// Builds the agent; runs on every activation.
    fn create(ctx: AgentContext<Self::State>, env: Env) -> Self;

    /// The context `create` was given.
    fn context(&self) -> &AgentContext<Self::State>;

    /// The state before any was set.
    fn initial_state(&self) -> Self::State;

    /// The current state.
    fn state(&self) -> Self::State {
        self.context().state()
    }

    /// Changes the state: [`validate_state_change`](Self::validate_state_change)
    /// may refuse it; else it is written in this event's batch, pushed to
    /// every connection (each push leaves once the write is confirmed), and
    /// [`on_state_update`](Self::on_state_update) runs.
    fn set_state(&self, next: Self::State) -> impl Future<Output = Result<()>> {
        change_state(self, next, StateSource::Server)
    }

    /// Runs each time an instance starts (first use, or waking from
    /// hibernation or a crash), before any event.
    fn on_start(&self) -> impl Future<Output = Result<()>> {
        async { Ok(()) }
    }

    /// An HTTP request that is not a WebSocket upgrade. The default answers
    /// 404.
    fn on_request(&self, req: Request) -> impl Future<Output = Result<Response>> {
        let _ = req;
        async { Ok(Response::error(404, "Not implemented")) }
    }

    /// The tags a new connection's socket gets, besides its id.
    fn connection_tags(&self, req: &Request) -> Vec<String> {
        let _ = req;
        Vec::new()
    }

    /// A client connected (it has already been sent the state).
    fn on_connect(
        &self,
        conn: &Connection,
        ctx: &ConnectionContext,
    ) -> impl Future<Output = Result<()>> {
        let _ = (conn, ctx);
        async { Ok(()) }
    }

    /// A message that is not a protocol frame (state or call).
    fn on_message(&self, conn: &Connection, message: Message) -> impl Future<Output = Result<()>> {
        let _ = (conn, message);
        async { Ok(()) }
    }

    /// A client closed its connection.
    fn on_close(
        &self,
        conn: &Connection,
        code: u16,
        reason: &str,
    ) -> impl Future<Output = Result<()>> {
        let _ = (conn, code, reason);
        async { Ok(()) }
    }

    /// A connection failed.
    fn on_error(&self, conn: &Connection, error: Error) -> impl Future<Output = Result<()>> {
        let _ = (conn, error);
        async { Ok(()) }
    }

    /// Refuses a state change with an `Err`; runs before anything is
    /// written, for the agent's own changes and clients' alike.
    fn validate_state_change(&self, next: &Self::State, source: &StateSource) -> Result<()> {
        let _ = (next, source);
        Ok(())
    }

    /// A state change was written and pushed.
    fn on_state_update(
        &self,
        state: &Self::State,
        source: &StateSource,
    ) -> impl Future<Output = Result<()>> {
        let _ = (state, source);
        async { Ok(()) }
    }

    /// Runs a scheduled or queued task. An `Err` makes the alarm retry it.
    /// The default refuses every task.
    fn run_task(&self, task: &str, payload: Value) -> impl Future<Output = Result<()>> {
        let _ = payload;
        let e = Error::type_error(format!("the agent has no task named `{task}`"));
        async { Err(e) }
    }
}

/// Validates, writes, pushes, then tells the agent.
pub(crate) async fn change_state<A: Agent>(
    agent: &A,
    next: A::State,
    source: StateSource,
) -> Result<()> {
    agent.validate_state_change(&next, &source)?;
    let ctx = agent.context();
    let value = ctx.save_state(&next)?;
    ctx.push_state(&value);
    agent.on_state_update(&next, &source).await
}
