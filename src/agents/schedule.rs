//! Schedules: many timed tasks of one agent on its object's one alarm.
//!
//! Every schedule is a row of `cf_agents_schedules`, written in the event's
//! batch; ids come from SQLite's `AUTOINCREMENT`, so an id is never reused,
//! even after its row is gone. After every change the alarm is set to the
//! earliest due time of all rows (and of the queue, see
//! [`queue`](super::queue)): the invariant the `agent_schedules` monitor
//! checks. Times are Unix milliseconds of the simulated clock; cron
//! expressions are evaluated on it, in UTC, by the Worker cron triggers'
//! own parser.

use std::cell::RefCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::context::AgentContext;
use super::host::ALARM_TASKS_MAX;
use crate::limits::{ALARM_RETRIES_MAX, ALARM_RETRY_FIRST};
use crate::mutations::{self, Mutation};
use crate::platform::worker::cron::Schedule as Cron;
use crate::runtime::{Error, Result, Sql};
use crate::trace::What;

/// The longest interval [`schedule_every`](AgentContext::schedule_every)
/// takes: 30 days, as the agents SDK.
pub const SCHEDULE_INTERVAL_MAX: Duration = Duration::from_secs(30 * 24 * 3600);

/// When a schedule is due.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum When {
    /// After a delay from now.
    Delay(Duration),
    /// At a time (a time past is due at once).
    At(SystemTime),
    /// At every time a five-field cron expression matches (UTC).
    Cron(String),
}

impl From<Duration> for When {
    fn from(d: Duration) -> When {
        When::Delay(d)
    }
}

impl From<SystemTime> for When {
    fn from(t: SystemTime) -> When {
        When::At(t)
    }
}

impl From<&str> for When {
    fn from(expression: &str) -> When {
        When::Cron(expression.to_string())
    }
}

/// What kind of schedule a row is, with what re-arms it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScheduleKind {
    /// Once, after a delay.
    Delayed {
        /// The delay asked for.
        delay: Duration,
    },
    /// Once, at a time.
    Scheduled,
    /// At every match of a cron expression.
    Cron {
        /// The expression.
        expression: String,
    },
    /// Every `every`, counted from the end of the last run.
    Interval {
        /// The interval.
        every: Duration,
    },
}

impl ScheduleKind {
    /// Whether the schedule runs once (then its row is removed).
    pub fn is_one_shot(&self) -> bool {
        matches!(self, ScheduleKind::Delayed { .. } | ScheduleKind::Scheduled)
    }
}

/// One schedule of an agent.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Schedule {
    /// Its id, unique for the agent's whole life.
    pub id: u64,
    /// The task it runs (see [`Agent::run_task`](super::Agent::run_task)).
    pub task: String,
    /// The task's payload.
    pub payload: Value,
    /// Its kind.
    pub kind: ScheduleKind,
    /// When it is next due.
    pub time: SystemTime,
}

impl Schedule {
    /// The payload decoded as `T`.
    pub fn payload<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.payload.clone())
            .map_err(|e| Error::type_error(format!("schedule {}'s payload: {e}", self.id)))
    }
}

/// A row as SQL holds it.
#[derive(Deserialize)]
pub(crate) struct Row {
    id: i64,
    pub(crate) task: String,
    payload: String,
    kind: String,
    pub(crate) time_ms: i64,
    delay_ms: Option<i64>,
    cron: Option<String>,
    interval_ms: Option<i64>,
}

impl Row {
    pub(crate) fn id(&self) -> u64 {
        self.id.unsigned_abs()
    }

    pub(crate) fn payload(&self) -> Value {
        serde_json::from_str(&self.payload).unwrap_or(Value::Null)
    }

    pub(crate) fn is_one_shot(&self) -> bool {
        self.kind == "delayed" || self.kind == "scheduled"
    }

    fn to_schedule(&self) -> Schedule {
        let ms = |v: Option<i64>| Duration::from_millis(v.unwrap_or(0).unsigned_abs());
        let kind = match self.kind.as_str() {
            "delayed" => ScheduleKind::Delayed {
                delay: ms(self.delay_ms),
            },
            "cron" => ScheduleKind::Cron {
                expression: self.cron.clone().unwrap_or_default(),
            },
            "interval" => ScheduleKind::Interval {
                every: ms(self.interval_ms),
            },
            _ => ScheduleKind::Scheduled,
        };
        Schedule {
            id: self.id(),
            task: self.task.clone(),
            payload: self.payload(),
            kind,
            time: unix_ms_to_time(self.time_ms),
        }
    }
}

/// The columns of a [`Row`], in the order of every query that reads one.
macro_rules! columns {
    () => {
        "id, task, payload, kind, time_ms, delay_ms, cron, interval_ms"
    };
}

// The statements as constants: each call reuses the text (and its prepared
// statement) instead of formatting it anew.
const INSERT: &str = concat!(
    "INSERT INTO cf_agents_schedules (task, payload, kind, time_ms, delay_ms, cron, \
     interval_ms) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING ",
    columns!()
);
const SELECT_ALL: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM cf_agents_schedules ORDER BY time_ms, id"
);
// The limits are written out, not bound: SQLite plans a bound LIMIT for
// its value, so binding one re-prepares the statement on every call.
const SELECT_DUE: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM cf_agents_schedules WHERE time_ms <= ? ORDER BY time_ms, id LIMIT 1000"
);
/// [`SELECT_DUE`] unsorted, with room for one row more than an alarm runs:
/// sorting a few rows here costs less than SQLite's sorter.
const SELECT_DUE_UNSORTED: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM cf_agents_schedules WHERE time_ms <= ? LIMIT 1001"
);
const _: () = assert!(
    ALARM_TASKS_MAX == 1000,
    "the LIMITs of SELECT_DUE and SELECT_DUE_UNSORTED follow ALARM_TASKS_MAX"
);

pub(crate) fn ensure_schema(sql: &Sql) -> Result<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS cf_agents_schedules (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         task TEXT NOT NULL, payload TEXT NOT NULL, kind TEXT NOT NULL, time_ms INTEGER NOT \
         NULL, delay_ms INTEGER, cron TEXT, interval_ms INTEGER)",
        (),
    )?;
    Ok(())
}

/// The simulated wall clock, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    time_to_unix_ms(crate::runtime::now())
}

fn time_to_unix_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

fn unix_ms_to_time(ms: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms.max(0).unsigned_abs())
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

fn next_cron(expression: &str, after_ms: i64) -> Result<i64> {
    thread_local! {
        /// The last expression parsed: a cron row is re-armed after every
        /// run, by a new instance each time, and parsing costs more than
        /// finding the next match. A pure cache: it changes no result.
        static LAST: RefCell<Option<Cron>> = const { RefCell::new(None) };
    }
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        if last.as_ref().is_none_or(|c| c.expression() != expression) {
            *last = Some(Cron::parse(expression)?);
        }
        last.as_ref()
            .and_then(|c| c.next_after(after_ms))
            .ok_or_else(|| {
                Error::range_error(format!(
                    "cron expression `{expression}` never matches again"
                ))
            })
    })
}

fn check_task(task: &str) -> Result<()> {
    if task.is_empty() {
        return Err(Error::type_error(
            "a schedule's task name must not be empty",
        ));
    }
    Ok(())
}

fn encode_payload<P: Serialize + ?Sized>(payload: &P) -> Result<String> {
    serde_json::to_string(payload)
        .map_err(|e| Error::data_clone(format!("a task's payload could not be serialized: {e}")))
}

impl<S: Serialize + DeserializeOwned + Clone + 'static> AgentContext<S> {
    /// Schedules `task` with `payload`, due `when`: after a delay
    /// ([`Duration`]), at a time ([`SystemTime`]), or at every match of a
    /// cron expression (`&str`, five fields, UTC). A delay or time runs
    /// once; a cron schedule re-arms after each run.
    pub async fn schedule<P: Serialize + ?Sized>(
        &self,
        when: impl Into<When>,
        task: &str,
        payload: &P,
    ) -> Result<Schedule> {
        check_task(task)?;
        let now = now_ms();
        let (kind, time_ms, delay, cron) = match when.into() {
            When::Delay(d) => (
                "delayed",
                now.saturating_add(millis(d)),
                Some(millis(d)),
                None,
            ),
            When::At(t) => ("scheduled", time_to_unix_ms(t).max(now), None, None),
            When::Cron(expression) => {
                ("cron", next_cron(&expression, now)?, None, Some(expression))
            }
        };
        self.insert(task, payload, kind, time_ms, delay, cron, None)
            .await
    }

    /// Schedules `task` with `payload` every `every` (more than zero, at
    /// most [`SCHEDULE_INTERVAL_MAX`]), first `every` from now.
    pub async fn schedule_every<P: Serialize + ?Sized>(
        &self,
        every: Duration,
        task: &str,
        payload: &P,
    ) -> Result<Schedule> {
        check_task(task)?;
        if every.is_zero() || every > SCHEDULE_INTERVAL_MAX {
            return Err(Error::range_error(format!(
                "an interval must be more than 0 and at most 30 days, not {every:?}"
            )));
        }
        let time_ms = now_ms().saturating_add(millis(every));
        self.insert(
            task,
            payload,
            "interval",
            time_ms,
            None,
            None,
            Some(millis(every)),
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert<P: Serialize + ?Sized>(
        &self,
        task: &str,
        payload: &P,
        kind: &str,
        time_ms: i64,
        delay_ms: Option<i64>,
        cron: Option<String>,
        interval_ms: Option<i64>,
    ) -> Result<Schedule> {
        let payload = encode_payload(payload)?;
        let row: Row = self
            .sql()
            .exec(
                INSERT,
                (task, payload, kind, time_ms, delay_ms, cron, interval_ms),
            )?
            .one()?;
        self.changed_schedules();
        self.inner.object.record(What::AgentScheduleAdded {
            schedule: row.id(),
            due_ms: row.time_ms,
        });
        self.rearm().await?;
        Ok(row.to_schedule())
    }

    /// Every schedule, earliest due first.
    pub fn get_schedules(&self) -> Result<Vec<Schedule>> {
        let rows: Vec<Row> = self.sql().exec(SELECT_ALL, ())?.to_array()?;
        Ok(rows.iter().map(Row::to_schedule).collect())
    }

    /// Cancels schedule `id`; `false` if there is none.
    pub async fn cancel_schedule(&self, id: u64) -> Result<bool> {
        let id = i64::try_from(id).unwrap_or(i64::MAX);
        let gone = self
            .sql()
            .exec("DELETE FROM cf_agents_schedules WHERE id = ?", (id,))?
            .rows_written();
        if gone > 0 {
            self.changed_schedules();
            self.inner.object.record(What::AgentScheduleCancelled {
                schedule: id.unsigned_abs(),
            });
        }
        self.rearm().await?;
        Ok(gone > 0)
    }

    /// The schedules due at `now_ms`, at most `limit`, in the order they
    /// run (by due time, then id).
    pub(crate) fn due(&self, now_ms: i64, limit: usize) -> Result<Vec<Row>> {
        let mut rows: Vec<Row> = self
            .sql()
            .exec(SELECT_DUE_UNSORTED, (now_ms,))?
            .to_array()?;
        if rows.len() > ALARM_TASKS_MAX {
            // More are due than one alarm runs: SQLite picks the earliest.
            rows = self.sql().exec(SELECT_DUE, (now_ms,))?.to_array()?;
        } else {
            rows.sort_by_key(|r| (r.time_ms, r.id));
        }
        rows.truncate(limit);
        Ok(rows)
    }

    /// How many times this instance added or cancelled a schedule.
    pub(crate) fn schedule_changes(&self) -> u64 {
        self.inner.schedule_changes.get()
    }

    fn changed_schedules(&self) {
        let changes = &self.inner.schedule_changes;
        changes.set(changes.get() + 1);
    }

    /// A schedule ran: a one-shot row goes, a cron or interval one moves to
    /// its next due time after `now_ms`.
    pub(crate) fn finish(&self, row: &Row, now_ms: i64) -> Result<()> {
        let next = match row.kind.as_str() {
            "cron" => Some(next_cron(row.cron.as_deref().unwrap_or(""), now_ms)?),
            "interval" => Some(now_ms.saturating_add(row.interval_ms.unwrap_or(0).max(1))),
            _ => None,
        };
        match next {
            Some(t) => self.sql().exec(
                "UPDATE cf_agents_schedules SET time_ms = ? WHERE id = ?",
                (t, row.id),
            )?,
            None => self
                .sql()
                .exec("DELETE FROM cf_agents_schedules WHERE id = ?", (row.id,))?,
        };
        Ok(())
    }

    /// Sets the object's alarm to the earliest due schedule or queued task,
    /// or deletes it when nothing is pending.
    pub(crate) async fn rearm(&self) -> Result<()> {
        let pending = self.pending()?;
        self.arm(pending).await
    }

    /// What is pending: the schedules' due times and the queue's length.
    /// One statement for both tables: it runs after every change.
    pub(crate) fn pending(&self) -> Result<Pending> {
        self.sql()
            .exec(
                "SELECT MIN(time_ms) AS earliest, MAX(time_ms) AS latest, (SELECT COUNT(*) FROM \
                 cf_agents_queues) AS queued FROM cf_agents_schedules",
                (),
            )?
            .one()
    }

    /// Sets the alarm to the earliest of `pending`, or deletes it when
    /// nothing is.
    pub(crate) async fn arm(&self, pending: Pending) -> Result<()> {
        let queued = pending.queued > 0;
        let now = now_ms();
        let soonest = |t: Option<i64>| match (t, queued) {
            (Some(t), true) => Some(t.min(now)),
            (None, true) => Some(now),
            (t, false) => t,
        };
        let earliest_ms = soonest(pending.earliest);
        let at_ms = if mutations::active(Mutation::AgentAlarmLatest) {
            soonest(pending.latest)
        } else {
            earliest_ms
        };
        self.inner
            .object
            .record(What::AgentAlarmArmed { at_ms, earliest_ms });
        let storage = self.inner.object.storage();
        match at_ms {
            Some(ms) => storage.set_alarm_ms(ms.max(1) as f64).await,
            None => storage.delete_alarm().await,
        }
    }

    /// Whether the alarm is so far past due that the runtime may have given
    /// it up (a failing alarm's retries alone take longer): only such an
    /// alarm needs setting again when an instance starts. Every other
    /// alarm agrees with the schedules already, as each change of a
    /// schedule and the alarm it sets are written in one batch.
    pub(crate) async fn alarm_overdue(&self) -> Result<bool> {
        let retries_ms = millis(ALARM_RETRY_FIRST) * ((1 << ALARM_RETRIES_MAX) - 1);
        let alarm = self.inner.object.storage().get_alarm().await?;
        Ok(alarm.is_some_and(|t| time_to_unix_ms(t).saturating_add(retries_ms) <= now_ms()))
    }
}

/// What [`AgentContext::pending`] reads.
#[derive(Deserialize)]
pub(crate) struct Pending {
    earliest: Option<i64>,
    latest: Option<i64>,
    pub(crate) queued: i64,
}
