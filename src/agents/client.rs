//! `AgentClient`: a test's client of an agent, over one connection.
//!
//! It reads the agent's protocol frames as a browser client would: it
//! keeps the last state pushed (and records each push it receives in the
//! trace, for the `agent_state_sync` monitor), matches call answers to
//! calls, and queues everything else for the test to read.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::time::Duration;

use futures::future::{select, Either};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::protocol::{state_hash, ClientFrame, ServerFrame};
use crate::runtime::{
    ClientEvent, ClientSocket, DurableObject, Error, Message, ObjectNamespace, Request, Result,
    RpcTarget,
};
use crate::trace::What;

/// How long [`AgentClient::call`] waits for its answer.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// What a client received, other than a call's answer.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum AgentEvent {
    /// The agent pushed its state.
    State(Value),
    /// The agent refused the state this client proposed.
    StateError(String),
    /// The agent could not read a protocol frame this client sent.
    Error(String),
    /// An application message.
    Message(Message),
    /// The connection closed.
    Closed {
        /// The close code (1006: broken off).
        code: u16,
    },
}

/// One connection of a test's client to an agent.
pub struct AgentClient {
    socket: ClientSocket,
    state: RefCell<Option<Value>>,
    calls: Cell<u64>,
    /// Events read while waiting for a call's answer.
    backlog: RefCell<VecDeque<AgentEvent>>,
    closed: Cell<bool>,
}

impl AgentClient {
    /// Connects to the agent `name` of `ns` as connection `id`.
    pub async fn connect<A: DurableObject + RpcTarget>(
        ns: &ObjectNamespace<A>,
        name: &str,
        id: &str,
    ) -> Result<AgentClient> {
        AgentClient::connect_with_query(ns, name, id, "").await
    }

    /// [`connect`](Self::connect), with `query` (`key=value&…`) added to
    /// the upgrade request's URL for the agent's `on_connect` to read.
    pub async fn connect_with_query<A: DurableObject + RpcTarget>(
        ns: &ObjectNamespace<A>,
        name: &str,
        id: &str,
        query: &str,
    ) -> Result<AgentClient> {
        let binding = super::routing::kebab_case(ns.binding());
        let extra = if query.is_empty() {
            String::new()
        } else {
            format!("&{query}")
        };
        let req = Request::get(&format!(
            "https://agent/agents/{binding}/{name}?_pk={id}{extra}"
        ));
        let socket = ns.get_by_name(name).connect(req).await?;
        Ok(AgentClient {
            socket,
            state: RefCell::new(None),
            calls: Cell::new(0),
            backlog: RefCell::new(VecDeque::new()),
            closed: Cell::new(false),
        })
    }

    /// The socket underneath.
    pub fn socket(&self) -> &ClientSocket {
        &self.socket
    }

    /// The last state pushed, decoded as `S`.
    pub fn state<S: DeserializeOwned>(&self) -> Option<S> {
        let value = self.state.borrow().clone()?;
        serde_json::from_value(value).ok()
    }

    /// Whether the connection closed.
    pub fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Sends an application message.
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        self.socket.send(message)
    }

    /// Proposes a new state; the agent validates it, and pushes it to every
    /// client (this one included) or answers with a
    /// [`AgentEvent::StateError`].
    pub fn propose_state<S: Serialize>(&self, state: &S) -> Result<()> {
        let state = serde_json::to_value(state)
            .map_err(|e| Error::data_clone(format!("the proposed state: {e}")))?;
        self.socket.send(ClientFrame::State { state }.to_text())
    }

    /// Closes the connection.
    pub fn close(&self) -> Result<()> {
        self.closed.set(true);
        self.socket.close(1000, "done")
    }

    /// The next event (`None` once the connection is closed and drained).
    pub async fn recv(&self) -> Option<AgentEvent> {
        if let Some(e) = self.backlog.borrow_mut().pop_front() {
            return Some(e);
        }
        loop {
            match self.read().await? {
                Read::Event(e) => return Some(e),
                Read::Answer { .. } => continue,
            }
        }
    }

    /// The next event, or `None` if none comes within `wait`.
    pub async fn recv_within(&self, wait: Duration) -> Option<AgentEvent> {
        match select(Box::pin(self.recv()), Box::pin(crate::runtime::sleep(wait))).await {
            Either::Left((e, _)) => e,
            Either::Right(_) => None,
        }
    }

    /// Calls the agent's callable `method` with `args`; its result, or its
    /// error (also when no answer comes within [`CALL_TIMEOUT`]).
    pub async fn call<R: DeserializeOwned>(&self, method: &str, args: Vec<Value>) -> Result<R> {
        let n = self.calls.get() + 1;
        self.calls.set(n);
        let id = n.to_string();
        let frame = ClientFrame::Rpc {
            id: id.clone(),
            method: method.to_string(),
            args,
        };
        self.socket.send(frame.to_text())?;
        let answer = async {
            loop {
                match self.read().await {
                    None => return Err(Error::new("the connection closed before the answer")),
                    Some(Read::Answer { id: got, result }) if got == id => return result,
                    Some(Read::Answer { .. }) => continue,
                    Some(Read::Event(e)) => self.backlog.borrow_mut().push_back(e),
                }
            }
        };
        let timeout = crate::runtime::sleep(CALL_TIMEOUT);
        let value = match select(Box::pin(answer), Box::pin(timeout)).await {
            Either::Left((result, _)) => result?,
            Either::Right(_) => return Err(Error::new(format!("no answer to {method}()"))),
        };
        serde_json::from_value(value)
            .map_err(|e| Error::type_error(format!("the result of {method}(): {e}")))
    }

    /// Waits until the last state pushed equals `expected`, reading events
    /// for at most `wait`; an error says what this client saw instead.
    pub async fn converge<S: Serialize>(&self, expected: &S, wait: Duration) -> Result<()> {
        let expected = serde_json::to_value(expected)
            .map_err(|e| Error::data_clone(format!("the expected state: {e}")))?;
        let deadline = crate::runtime::elapsed() + wait;
        while self.state.borrow().as_ref() != Some(&expected) {
            let left = deadline.saturating_sub(crate::runtime::elapsed());
            if left.is_zero() || self.closed.get() {
                return Err(Error::new(format!(
                    "a client's view of the state did not converge: it saw {:?}, the agent \
                     has {expected}",
                    self.state.borrow()
                )));
            }
            // Events read here are kept for `recv`; answers to calls no
            // longer waited for are dropped.
            let next = select(Box::pin(self.read()), Box::pin(crate::runtime::sleep(left)));
            if let Either::Left((Some(Read::Event(e)), _)) = next.await {
                self.backlog.borrow_mut().push_back(e);
            }
        }
        Ok(())
    }

    async fn read(&self) -> Option<Read> {
        if self.closed.get() {
            return None;
        }
        let event = match self.socket.recv().await {
            None => {
                self.closed.set(true);
                return None;
            }
            Some(ClientEvent::Close { code, .. }) => {
                self.closed.set(true);
                return Some(Read::Event(AgentEvent::Closed { code }));
            }
            Some(ClientEvent::Message(m)) => m,
        };
        let frame = event
            .text()
            .and_then(|t| serde_json::from_str::<ServerFrame>(t).ok());
        Some(match frame {
            None => Read::Event(AgentEvent::Message(event)),
            Some(ServerFrame::State { state }) => {
                self.socket.record(What::AgentStateReceived {
                    socket: self.socket.id(),
                    state: state_hash(&state),
                });
                *self.state.borrow_mut() = Some(state.clone());
                Read::Event(AgentEvent::State(state))
            }
            Some(ServerFrame::StateError { error }) => Read::Event(AgentEvent::StateError(error)),
            Some(ServerFrame::Error { error }) => Read::Event(AgentEvent::Error(error)),
            Some(ServerFrame::Rpc {
                id,
                success,
                result,
                error,
                ..
            }) => Read::Answer {
                id,
                result: if success {
                    Ok(result)
                } else {
                    Err(Error::new(error.unwrap_or_default()))
                },
            },
        })
    }
}

impl Drop for AgentClient {
    /// A client going away closes its connection, so the agent (and the
    /// `agent_state_sync` monitor) stop counting it as connected.
    fn drop(&mut self) {
        if !self.closed.get() {
            let _ = self.socket.close(1000, "client gone");
        }
    }
}

enum Read {
    Event(AgentEvent),
    Answer { id: String, result: Result<Value> },
}
