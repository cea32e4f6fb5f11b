//! Agents: the agents SDK's base class on the object runtime, under the
//! same simulation, monitors and faults as any object.
//!
//! An [`Agent`] is a Durable Object with the machinery most applications
//! rewrite: a typed state persisted in its SQL and pushed to every
//! connected client; hibernatable connections with a state of their own;
//! many schedules (a delay, a time, a cron expression, an interval) and a
//! task queue multiplexed onto the object's one alarm; methods clients call
//! over their connection. This layer is built only on the public object
//! runtime (storage, alarms, hibernatable WebSockets) and the Worker entry;
//! it adds no rule to how objects run. The invariants it keeps, and that
//! the `agent_schedules` and `agent_state_sync` monitors check from the
//! events it records:
//! - the alarm is always set to the earliest due schedule or queued task;
//! - a one-shot schedule confirmed done never runs again, and every due
//!   schedule runs;
//! - a state is written before it is pushed, and every connected client's
//!   last push is the persisted state.
//!
//! `docs/agents.md` lists the whole surface, and where it differs from the
//! agents SDK.

mod agent;
mod client;
mod connection;
mod context;
mod host;
mod protocol;
mod queue;
mod routing;
mod schedule;

pub use agent::{Agent, ConnectionContext, StateSource};
pub use client::{AgentClient, AgentEvent, CALL_TIMEOUT};
pub use connection::Connection;
pub use context::AgentContext;
pub use host::ALARM_TASKS_MAX;
pub use protocol::{ClientFrame, ServerFrame};
pub use queue::QueueItem;
pub use routing::{
    get_agent_by_name, kebab_case, parse_agent_path, route_agent_request, AgentPath,
};
pub use schedule::{Schedule, ScheduleKind, When, SCHEDULE_INTERVAL_MAX};
