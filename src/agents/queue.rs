//! The task queue: tasks an agent runs one at a time, in the order queued.
//!
//! Each task is a row of `cf_agents_queues`, written in the event's batch,
//! and removed only once it ran. The queue drains in the alarm handler
//! (queuing a task sets the alarm to now), so a crash in the middle leaves
//! the task's row in place and the alarm's retry resumes it: a task runs at
//! least once, and runs again only if a crash or failure came before its
//! removal was confirmed.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::context::AgentContext;
use crate::runtime::{Error, Result, Sql};

/// One queued task.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct QueueItem {
    /// Its id: later tasks have larger ones.
    pub id: u64,
    /// The task (see [`Agent::run_task`](super::Agent::run_task)).
    pub task: String,
    /// Its payload.
    pub payload: Value,
}

#[derive(Deserialize)]
pub(crate) struct Row {
    id: i64,
    pub(crate) task: String,
    payload: String,
}

impl Row {
    pub(crate) fn payload(&self) -> Value {
        serde_json::from_str(&self.payload).unwrap_or(Value::Null)
    }

    fn to_item(&self) -> QueueItem {
        QueueItem {
            id: self.id.unsigned_abs(),
            task: self.task.clone(),
            payload: self.payload(),
        }
    }
}

/// One number a query returns, as `n`.
#[derive(Deserialize)]
struct Count {
    n: i64,
}

pub(crate) fn ensure_schema(sql: &Sql) -> Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS cf_agents_queues (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         task TEXT NOT NULL, payload TEXT NOT NULL)",
        (),
    )?;
    Ok(())
}

impl<S: Serialize + DeserializeOwned + Clone + 'static> AgentContext<S> {
    /// Queues `task` with `payload`; returns its id. It runs after every
    /// task queued before it, once this event's writes are confirmed.
    pub async fn queue<P: Serialize + ?Sized>(&self, task: &str, payload: &P) -> Result<u64> {
        if task.is_empty() {
            return Err(Error::type_error("a queued task's name must not be empty"));
        }
        let payload = serde_json::to_string(payload).map_err(|e| {
            Error::data_clone(format!("a task's payload could not be serialized: {e}"))
        })?;
        let row: Count = self
            .sql()
            .exec(
                "INSERT INTO cf_agents_queues (task, payload) VALUES (?, ?) RETURNING id AS n",
                (task, payload),
            )?
            .one()?;
        self.rearm().await?;
        Ok(row.n.unsigned_abs())
    }

    /// The tasks waiting, in the order they will run.
    pub fn get_queue(&self) -> Result<Vec<QueueItem>> {
        let rows: Vec<Row> = self
            .sql()
            .exec(
                "SELECT id, task, payload FROM cf_agents_queues ORDER BY id",
                (),
            )?
            .to_array()?;
        Ok(rows.iter().map(Row::to_item).collect())
    }

    /// The next task to run.
    pub(crate) fn queue_head(&self) -> Result<Option<Row>> {
        let rows: Vec<Row> = self
            .sql()
            .exec(
                "SELECT id, task, payload FROM cf_agents_queues ORDER BY id LIMIT 1",
                (),
            )?
            .to_array()?;
        Ok(rows.into_iter().next())
    }

    /// Removes a task that ran.
    pub(crate) fn dequeue(&self, row: &Row) -> Result<()> {
        self.sql()
            .exec("DELETE FROM cf_agents_queues WHERE id = ?", (row.id,))?;
        Ok(())
    }
}
