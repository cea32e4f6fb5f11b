//! `AgentContext`: what an agent holds to reach its object, its state, its
//! connections, its schedules and its queue.
//!
//! The typed state is persisted as JSON in the agent's SQL (the table
//! `cf_agents_state`, one row) and cached in memory; the cache is only ever
//! a copy of what the event wrote, and a new instance reloads it from SQL.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::connection::Connection;
use super::protocol::{state_hash, ServerFrame};
use crate::mutations::{self, Mutation};
use crate::runtime::{Error, Message, Result, Sql, State};
use crate::trace::What;

/// The state table's one row.
const STATE_ROW: &str = "cf_state_row_id";

/// An agent's handle on its object: its typed state (`S`), connections,
/// schedules and queue. Cheap to clone; built by the runtime and handed to
/// [`Agent::create`](super::Agent::create).
pub struct AgentContext<S> {
    pub(crate) inner: Rc<Inner<S>>,
}

pub(crate) struct Inner<S> {
    pub(crate) object: State,
    /// The state as this instance last read or wrote it.
    cached: RefCell<Option<S>>,
    /// Connections this instance accepted: only the planted bug
    /// [`Mutation::AgentPushMemoryConnections`] pushes to these alone.
    accepted: RefCell<BTreeSet<String>>,
    /// Schedules this instance added or cancelled, counted: the alarm
    /// handler reads the due schedules again when a task changed them.
    pub(crate) schedule_changes: Cell<u64>,
}

impl<S> Clone for AgentContext<S> {
    fn clone(&self) -> Self {
        AgentContext {
            inner: self.inner.clone(),
        }
    }
}

#[derive(Deserialize)]
struct StateRow {
    state: String,
}

impl<S: Serialize + DeserializeOwned + Clone + 'static> AgentContext<S> {
    pub(crate) fn new(object: State) -> AgentContext<S> {
        AgentContext {
            inner: Rc::new(Inner {
                object,
                cached: RefCell::new(None),
                accepted: RefCell::new(BTreeSet::new()),
                schedule_changes: Cell::new(0),
            }),
        }
    }

    /// The object underneath: its id, storage and concurrency controls.
    pub fn object(&self) -> &State {
        &self.inner.object
    }

    /// The agent's SQL database (its own tables live beside the layer's
    /// `cf_agents_*` ones).
    pub fn sql(&self) -> Sql {
        self.inner.object.storage().sql()
    }

    /// The agent's name: the name its id was made from, if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.object.id().name()
    }

    /// The agent's state: as last set, else as persisted, else the initial
    /// state.
    pub fn state(&self) -> S {
        self.inner
            .cached
            .borrow()
            .clone()
            .expect("an agent's state is loaded before its first event")
    }

    /// Every open connection, or those carrying `tag`.
    pub fn get_connections(&self, tag: Option<&str>) -> Vec<Connection> {
        self.inner
            .object
            .get_websockets(tag)
            .into_iter()
            .filter_map(Connection::from_socket)
            .collect()
    }

    /// The connection with id `id`, if it is open.
    pub fn get_connection(&self, id: &str) -> Option<Connection> {
        self.get_connections(Some(id)).into_iter().next()
    }

    /// Sends `message` to every open connection but those in `except`
    /// (ids). A connection that refuses (it just closed) is skipped.
    pub fn broadcast(&self, message: impl Into<Message>, except: &[&str]) {
        let message = message.into();
        for conn in self.get_connections(None) {
            if !except.contains(&conn.id()) {
                let _ = conn.send(message.clone());
            }
        }
    }

    /// Loads the persisted state into the cache, or `initial` if none was
    /// ever written, creating the layer's tables first if they are missing.
    ///
    /// One read on the usual path: the state's table answers for all three,
    /// since they are created in one batch. Only a new agent's read fails
    /// ("no such table"), and only then are the tables created, so an
    /// activation that finds them opens no write batch.
    pub(crate) async fn load_state(&self, initial: impl FnOnce() -> S) -> Result<()> {
        let row = match self.read_state() {
            Err(e) if e.to_string().contains("no such table") => {
                self.create_schema().await?;
                None
            }
            read => read?,
        };
        let state = match row {
            Some(row) => serde_json::from_str(&row.state).map_err(|e| {
                Error::type_error(format!("the agent's persisted state does not decode: {e}"))
            })?,
            None => initial(),
        };
        let value = to_json(&state)?;
        self.inner.object.record(What::AgentStateLoaded {
            state: state_hash(&value),
        });
        *self.inner.cached.borrow_mut() = Some(state);
        Ok(())
    }

    fn read_state(&self) -> Result<Option<StateRow>> {
        let rows: Vec<StateRow> = self
            .sql()
            .exec(
                "SELECT state FROM cf_agents_state WHERE id = ?",
                (STATE_ROW,),
            )?
            .to_array()?;
        Ok(rows.into_iter().next())
    }

    /// The layer's tables, in the event's batch.
    async fn create_schema(&self) -> Result<()> {
        // No alarm yet, said now: the first alarm write creates the
        // runtime's own table for it, and a table created after statements
        // were prepared makes SQLite prepare each of them again.
        self.inner.object.storage().delete_alarm().await?;
        self.sql().exec(
            "CREATE TABLE IF NOT EXISTS cf_agents_state (id TEXT PRIMARY KEY NOT NULL, \
             state TEXT)",
            (),
        )?;
        super::schedule::ensure_schema(&self.sql())?;
        super::queue::ensure_schema(&self.sql())
    }

    /// Writes `next` in the event's batch and caches it; returns it as JSON.
    pub(crate) fn save_state(&self, next: &S) -> Result<Value> {
        let value = to_json(next)?;
        let text = value.to_string();
        self.sql().exec(
            "INSERT OR REPLACE INTO cf_agents_state (id, state) VALUES (?, ?)",
            (STATE_ROW, text.as_str()),
        )?;
        self.inner.object.record(What::AgentStateSaved {
            state: state_hash(&value),
        });
        *self.inner.cached.borrow_mut() = Some(next.clone());
        Ok(value)
    }

    /// Sends `state` to every connection. Each push is output: it leaves
    /// once the write before it is confirmed.
    pub(crate) fn push_state(&self, state: &Value) {
        let frame = ServerFrame::State {
            state: state.clone(),
        }
        .to_text();
        let memory_only = mutations::active(Mutation::AgentPushMemoryConnections);
        for conn in self.get_connections(None) {
            if memory_only && !self.inner.accepted.borrow().contains(conn.id()) {
                continue;
            }
            let _ = conn.send(frame.as_str());
        }
    }

    /// Notes a connection this instance accepted.
    pub(crate) fn accepted(&self, conn: &Connection) {
        self.inner
            .accepted
            .borrow_mut()
            .insert(conn.id().to_string());
    }

    /// The cached state as JSON.
    pub(crate) fn state_json(&self) -> Result<Value> {
        to_json(&self.state())
    }
}

fn to_json<S: Serialize>(state: &S) -> Result<Value> {
    serde_json::to_value(state)
        .map_err(|e| Error::data_clone(format!("the agent's state could not be serialized: {e}")))
}
