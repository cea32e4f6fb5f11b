//! Every agent is a Durable Object: the runtime's events, turned into the
//! agent's hooks.
//!
//! - start: the persisted state (the layer's tables created on first use),
//!   the alarm set again if the runtime may have given it up, then
//!   `on_start`;
//! - fetch: a WebSocket upgrade becomes a connection (state sent first),
//!   anything else goes to `on_request`;
//! - a socket message: a protocol frame (state proposal, call) is handled
//!   here, anything else goes to `on_message`;
//! - the alarm: every due schedule, earliest first, then the queue, one
//!   task at a time; a failing task fails the alarm, so the runtime retries
//!   it, except on the last allowed try, where it counts as done (as the
//!   agents SDK does after its retries).

use serde_json::Value;

use super::agent::{change_state, Agent, ConnectionContext, StateSource};
use super::connection::Connection;
use super::protocol::{parse, ClientFrame, Parsed, ServerFrame};
use super::schedule::now_ms;
use crate::limits::ALARM_RETRIES_MAX;
use crate::runtime::payload::Payload;
use crate::runtime::rpc::RpcMethods;
use crate::runtime::{
    AlarmInfo, DurableObject, Env, Error, Message, Request, Response, Result, State, WebSocket,
    WebSocketPair,
};
use crate::trace::What;

use super::context::AgentContext;

/// How many schedules, and how many queued tasks, one alarm runs at most
/// (the rest wait for the alarm it sets for them).
pub const ALARM_TASKS_MAX: usize = 1000;

impl<A: Agent + RpcMethods> DurableObject for A {
    fn new(state: State, env: Env) -> Self {
        A::create(AgentContext::new(state), env)
    }

    async fn start(&self) -> Result<()> {
        let ctx = self.context();
        ctx.load_state(|| self.initial_state()).await?;
        if ctx.alarm_overdue().await? {
            ctx.rearm().await?;
        }
        self.on_start().await
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.header("Upgrade") == Some("websocket") {
            connect(self, req).await
        } else {
            self.on_request(req).await
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        let Some(conn) = Connection::from_socket(ws) else {
            return Ok(());
        };
        let Some(text) = message.text() else {
            return self.on_message(&conn, message).await;
        };
        match parse(text) {
            Parsed::Plain => self.on_message(&conn, message).await,
            Parsed::Malformed(error) => conn.send(ServerFrame::Error { error }.to_text()),
            Parsed::Frame(ClientFrame::State { state }) => propose(self, &conn, state).await,
            Parsed::Frame(ClientFrame::Rpc { id, method, args }) => {
                call(self, &conn, id, &method, args).await
            }
        }
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: u16,
        reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        match Connection::from_socket(ws) {
            Some(conn) => self.on_close(&conn, code, &reason).await,
            None => Ok(()),
        }
    }

    async fn websocket_error(&self, ws: WebSocket, error: Error) -> Result<()> {
        match Connection::from_socket(ws) {
            Some(conn) => self.on_error(&conn, error).await,
            None => Ok(()),
        }
    }

    async fn alarm(&self, info: AlarmInfo) -> Result<()> {
        let last_try = info.retry_count >= ALARM_RETRIES_MAX;
        let ctx = self.context();
        run_schedules(self, last_try).await?;
        // The queue is read only when the read that re-arms says it holds
        // tasks (including any the schedules' tasks queued).
        let mut pending = ctx.pending()?;
        if pending.queued > 0 {
            run_queue(self, last_try).await?;
            pending = ctx.pending()?;
        }
        ctx.arm(pending).await
    }
}

/// Accepts a connection: its id is the `_pk` query parameter, else one
/// made from the socket's number.
async fn connect<A: Agent>(agent: &A, req: Request) -> Result<Response> {
    let ctx = agent.context();
    let pair = WebSocketPair::new(ctx.object())?;
    let id = query_param(req.url(), "_pk").unwrap_or_else(|| format!("c{}", pair.server.id()));
    let mut tags = vec![id.clone()];
    tags.extend(agent.connection_tags(&req));
    let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
    ctx.object().accept_websocket(&pair.server, &tags)?;
    let conn = Connection::attach(pair.server.clone(), id)?;
    ctx.accepted(&conn);
    conn.send(
        ServerFrame::State {
            state: ctx.state_json()?,
        }
        .to_text(),
    )?;
    agent
        .on_connect(&conn, &ConnectionContext { request: req })
        .await?;
    Ok(Response::websocket(pair.client))
}

/// The value of query parameter `name` in `url`, if present and not empty.
pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// A client's proposed state: decoded, validated and applied as a change
/// of the agent's own, or refused with an error frame.
async fn propose<A: Agent>(agent: &A, conn: &Connection, state: Value) -> Result<()> {
    let refused = match serde_json::from_value::<A::State>(state) {
        Err(e) => Some(format!("not a valid state: {e}")),
        Ok(next) => change_state(agent, next, StateSource::Connection(conn.id().to_string()))
            .await
            .err()
            .map(|e| e.to_string()),
    };
    match refused {
        Some(why) => conn.send(
            ServerFrame::StateError {
                error: format!("State update rejected: {why}"),
            }
            .to_text(),
        ),
        None => Ok(()),
    }
}

/// A client's call: runs a callable method and answers on the connection.
async fn call<A: Agent + RpcMethods>(
    agent: &A,
    conn: &Connection,
    id: String,
    method: &str,
    args: Vec<Value>,
) -> Result<()> {
    let outcome = if A::CALLABLE.contains(&method) {
        // An empty argument list is the unit a method without arguments
        // decodes; otherwise the list is the argument tuple.
        let args = if args.is_empty() {
            Value::Null
        } else {
            Value::Array(args)
        };
        match Payload::encode(&args, || format!("the arguments of {method}()")) {
            Ok(payload) => agent
                .dispatch_ref(method, payload)
                .await
                .and_then(|out| out.decode::<Value>(|| format!("the result of {method}()"))),
            Err(e) => Err(e),
        }
    } else {
        Err(Error::type_error(format!(
            "Method {method} is not callable"
        )))
    };
    let frame = match outcome {
        Ok(result) => ServerFrame::Rpc {
            id,
            success: true,
            result,
            error: None,
            done: true,
        },
        Err(e) => ServerFrame::Rpc {
            id,
            success: false,
            result: Value::Null,
            error: Some(e.to_string()),
            done: true,
        },
    };
    conn.send(frame.to_text())
}

/// Runs the due schedules, read in one statement; they are read again
/// only when a task added or cancelled a schedule or let time pass, so each
/// runs as if picked one at a time, earliest first.
async fn run_schedules<A: Agent>(agent: &A, last_try: bool) -> Result<()> {
    let ctx = agent.context();
    let mut ran = 0;
    'read: while ran < ALARM_TASKS_MAX {
        let (now, changes) = (now_ms(), ctx.schedule_changes());
        let limit = ALARM_TASKS_MAX - ran;
        let due = ctx.due(now, limit)?;
        let all = due.len() < limit;
        for row in due {
            let result = agent.run_task(&row.task, row.payload()).await;
            if result.is_err() && !last_try {
                return result;
            }
            ctx.finish(&row, now_ms())?;
            ctx.object().record(What::AgentScheduleRan {
                schedule: row.id(),
                due_ms: row.time_ms,
                one_shot: row.is_one_shot(),
                ok: result.is_ok(),
            });
            ran += 1;
            if ctx.schedule_changes() != changes || now_ms() != now {
                continue 'read;
            }
        }
        if all {
            return Ok(());
        }
    }
    Ok(())
}

async fn run_queue<A: Agent>(agent: &A, last_try: bool) -> Result<()> {
    let ctx = agent.context();
    for _ in 0..ALARM_TASKS_MAX {
        let Some(row) = ctx.queue_head()? else {
            return Ok(());
        };
        let result = agent.run_task(&row.task, row.payload()).await;
        if result.is_err() && !last_try {
            return result;
        }
        ctx.dequeue(&row)?;
    }
    Ok(())
}
