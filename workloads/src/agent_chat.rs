//! The `agent_chat` example: the chat room written on the agents layer, and
//! the workload every room (its forgetful twin included) must pass.
//!
//! A member joins with `?name=<name>`, kept in its connection's own state;
//! each message is stored in SQL, acknowledged to its sender (`ack:<text>`)
//! and sent to every other member as `<name>: <text>`. The agent's state is
//! the number of messages stored, pushed to every member. `GET /history`
//! answers the stored messages as JSON.

use std::collections::BTreeMap;
use std::time::Duration;

use dosim::agents::{Agent, AgentClient, AgentContext, AgentEvent, Connection, ConnectionContext};
use dosim::{DurableObject, Env, Message, Request, Response, Result, RpcTarget, Runner, Sim};

/// Messages each member sends.
pub const MESSAGES: u64 = 6;

/// The room.
pub struct AgentChat {
    ctx: AgentContext<u64>,
}

impl Agent for AgentChat {
    type State = u64;

    fn create(ctx: AgentContext<u64>, _env: Env) -> Self {
        setup(&ctx);
        AgentChat { ctx }
    }

    fn context(&self) -> &AgentContext<u64> {
        &self.ctx
    }

    fn initial_state(&self) -> u64 {
        0
    }

    async fn on_connect(&self, conn: &Connection, ctx: &ConnectionContext) -> Result<()> {
        conn.set_state(&joining_name(&ctx.request)?)
    }

    async fn on_message(&self, conn: &Connection, message: Message) -> Result<()> {
        let name = conn.state::<String>()?.unwrap_or_else(|| "?".to_string());
        post(self, conn, &name, message).await
    }

    async fn on_request(&self, req: Request) -> Result<Response> {
        history_response(&self.ctx, &req)
    }
}

/// The room's RPC methods: none beyond the agents layer's.
#[dosim::rpc_methods(pub AgentChatRpc)]
impl AgentChat {}

/// The history's schema.
pub fn setup(ctx: &AgentContext<u64>) {
    ctx.sql()
        .exec(
            "CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             text TEXT NOT NULL)",
            (),
        )
        .expect("the history's schema");
}

/// The `name` query parameter of a join request.
pub fn joining_name(req: &Request) -> Result<String> {
    req.url()
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("name="))
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .ok_or_else(|| dosim::Error::type_error("join with ?name=<name>"))
}

/// Stores `message` from `name`, counts it in the state, acknowledges it
/// to its sender and sends it to everyone else.
pub async fn post<A: Agent<State = u64>>(
    agent: &A,
    conn: &Connection,
    name: &str,
    message: Message,
) -> Result<()> {
    let Some(text) = message.text() else {
        return Ok(());
    };
    let ctx = agent.context();
    ctx.sql().exec(
        "INSERT INTO history (name, text) VALUES (?, ?)",
        (name, text),
    )?;
    agent.set_state(agent.state() + 1).await?;
    conn.send(format!("ack:{text}"))?;
    ctx.broadcast(format!("{name}: {text}"), &[conn.id()]);
    Ok(())
}

/// `GET /history`: every stored message, oldest first, as JSON pairs.
pub fn history_response(ctx: &AgentContext<u64>, req: &Request) -> Result<Response> {
    if req.method() != "GET" || !req.path().ends_with("/history") {
        return Ok(Response::error(404, "GET /history"));
    }
    let rows: Vec<(String, String)> = ctx
        .sql()
        .exec("SELECT name, text FROM history ORDER BY id", ())?
        .raw()
        .map(|row| {
            let text = |i: usize| match row.get(i) {
                Some(dosim::SqlValue::Text(t)) => t.clone(),
                _ => String::new(),
            };
            (text(0), text(1))
        })
        .collect();
    Response::from_json(&rows)
}

/// What one member saw.
#[derive(Default)]
struct Seen {
    /// Lines from other members, in order.
    lines: Vec<String>,
    /// Its own messages the room acknowledged.
    acked: Vec<String>,
}

async fn member<A>(ns: dosim::ObjectNamespace<A>, name: String, pause: Duration) -> Result<Seen>
where
    A: DurableObject + RpcTarget,
{
    let mut seen = Seen::default();
    let mut sent = 0;
    let mut joins = 0;
    let mut client: Option<AgentClient> = None;
    for _ in 0..400 {
        if sent == MESSAGES {
            break;
        }
        let c = match client.take() {
            Some(c) => c,
            None => {
                joins += 1;
                let id = format!("{name}.{joins}");
                let query = format!("name={name}");
                match AgentClient::connect_with_query(&ns, "lobby", &id, &query).await {
                    Ok(c) => c,
                    Err(_) => {
                        dosim::sleep(Duration::from_millis(300)).await;
                        continue;
                    }
                }
            }
        };
        let text = format!("{name}-{sent}");
        sent += 1;
        if c.send(text.as_str()).is_err() {
            continue;
        }
        if sent == 3 {
            // A long quiet spell: the room may hibernate meanwhile.
            dosim::sleep(pause).await;
        }
        let mut acked = false;
        while let Some(event) = c.recv_within(Duration::from_secs(5)).await {
            match event {
                AgentEvent::Message(m) => {
                    let line = m.text().unwrap_or_default().to_string();
                    if line == format!("ack:{text}") {
                        seen.acked.push(text.clone());
                        acked = true;
                        break;
                    }
                    seen.lines.push(line);
                }
                AgentEvent::Closed { .. } => break,
                _ => {}
            }
        }
        if acked {
            client = Some(c);
        }
    }
    Ok(seen)
}

/// Reads the history through `GET /history`.
async fn history<A: DurableObject + RpcTarget>(
    ns: &dosim::ObjectNamespace<A>,
) -> Result<Vec<(String, String)>> {
    let resp = ns
        .get_by_name("lobby")
        .fetch(Request::get("https://agent/agents/chat/lobby/history"))
        .await?;
    resp.json()
}

/// The workload: members chat, pause long enough for the room to
/// hibernate, and chat on; then the history and what each saw must agree.
pub async fn workload<A: DurableObject + RpcTarget>(sim: Sim) -> Result<()> {
    let rooms = sim.register::<A>("CHAT")?;
    let mut tasks = Vec::new();
    for (i, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<A>("CHAT")?;
        let pause = Duration::from_millis(10_000 + sim.random_below(5_000));
        tasks.push(client.spawn(member(ns, format!("m{i}"), pause)));
    }
    let mut seen = BTreeMap::new();
    for (i, s) in dosim::join_all(tasks).await?.into_iter().enumerate() {
        seen.insert(format!("m{i}"), s?);
    }
    let history = sim.eventually(|| history(&rooms)).await?;
    audit(&seen, &history)
}

fn audit(seen: &BTreeMap<String, Seen>, history: &[(String, String)]) -> Result<()> {
    for (name, s) in seen {
        for text in &s.acked {
            if !history.iter().any(|(n, t)| n == name && t == text) {
                dosim::bail!(
                    "{name}'s message {text:?} was acknowledged but is not in the history \
                     under {name}"
                );
            }
        }
        for line in &s.lines {
            let Some((author, text)) = line.split_once(": ") else {
                continue;
            };
            if author == name {
                dosim::bail!(
                    "{name} got its own message {text:?} back: the broadcast skips the sender"
                );
            }
            if !text.starts_with(&format!("{author}-")) {
                dosim::bail!("{name} saw {text:?} as {line:?}: the room lost who sent it");
            }
        }
    }
    Ok(())
}

/// How the example and its tests run it.
pub fn runner(name: &str) -> Runner {
    Runner::new(name).seeds(200)
}
