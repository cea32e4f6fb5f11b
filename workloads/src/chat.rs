//! The `chat` example: a chat room on hibernatable WebSockets, and the
//! workload whose properties every room (its forgetful twin included) must
//! keep.

use std::collections::BTreeMap;
use std::time::Duration;

use dosim::{
    ClientEvent, DurableObject, Env, Message, Request, Response, Result, RpcTarget, Runner, Sim,
    State, Stub, WebSocket, WebSocketPair,
};

/// Messages each member sends.
pub const MESSAGES: u64 = 6;

/// The room.
pub struct Room {
    state: State,
}

/// What the room keeps with each socket.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Member {
    /// The member's name.
    pub name: String,
}

impl DurableObject for Room {
    fn new(state: State, _env: Env) -> Self {
        setup(&state);
        Room { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let name = joining_name(&req)?;
        let pair = WebSocketPair::new(&self.state)?;
        self.state.accept_websocket(&pair.server, &["member"])?;
        pair.server.serialize_attachment(&Member { name })?;
        Ok(Response::websocket(pair.client))
    }

    async fn websocket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        let name = ws
            .deserialize_attachment::<Member>()?
            .map(|m| m.name)
            .unwrap_or_else(|| "?".to_string());
        post(&self.state, &name, message)
    }
}

/// The schema and the auto-response, set on every activation.
pub fn setup(state: &State) {
    state
        .storage()
        .sql()
        .exec(
            "CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             text TEXT NOT NULL)",
            (),
        )
        .expect("the history's schema");
    state
        .set_websocket_auto_response(Some(("ping", "pong")))
        .expect("a short auto-response");
}

/// The `name` query parameter of a join request.
pub fn joining_name(req: &Request) -> Result<String> {
    req.url()
        .split_once("name=")
        .map(|(_, n)| n.to_string())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| dosim::Error::type_error("join with /join?name=<name>"))
}

/// Stores `message` from `name` and sends it to every member.
pub fn post(state: &State, name: &str, message: Message) -> Result<()> {
    let Some(text) = message.text() else {
        return Ok(());
    };
    state.storage().sql().exec(
        "INSERT INTO history (name, text) VALUES (?, ?)",
        (name, text),
    )?;
    let line = format!("{name}: {text}");
    for member in state.get_websockets(None) {
        // A member that just left may refuse; the others still get it.
        let _ = member.send(line.as_str());
    }
    Ok(())
}

/// The history, oldest first.
pub fn history(state: &State) -> Result<Vec<(String, String)>> {
    state
        .storage()
        .sql()
        .exec("SELECT name, text FROM history ORDER BY id", ())?
        .to_array()
}

/// Calls to a room: the client trait `RoomRpc`.
#[dosim::rpc_methods(pub RoomRpc)]
impl Room {
    /// Every message stored: (name, text).
    pub async fn history(&self) -> Result<Vec<(String, String)>> {
        history(&self.state)
    }
}

/// What one member saw.
#[derive(Default)]
struct Seen {
    /// Lines received, in order.
    lines: Vec<String>,
    /// Its own messages it saw echoed.
    echoed: Vec<String>,
}

async fn member<S>(ns: dosim::ObjectNamespace<S>, name: String, pause: Duration) -> Result<Seen>
where
    S: DurableObject + RpcTarget,
{
    let mut seen = Seen::default();
    let mut sent = 0;
    let mut socket = None;
    for _ in 0..400 {
        if sent == MESSAGES {
            break;
        }
        let ws = match socket.take() {
            Some(ws) => ws,
            None => {
                let join = Request::get(&format!("https://room/join?name={name}"));
                match ns.get_by_name("lobby").connect(join).await {
                    Ok(ws) => ws,
                    Err(_) => {
                        dosim::sleep(Duration::from_millis(300)).await;
                        continue;
                    }
                }
            }
        };
        let text = format!("{name}-{sent}");
        if ws.send(text.as_str()).is_err() {
            continue;
        }
        if sent == 2 {
            // A long quiet spell: the room may hibernate meanwhile.
            dosim::sleep(pause).await;
        }
        let _ = ws.send("ping");
        // Read until our own line comes back (or the socket breaks).
        let mut ok = false;
        loop {
            let event = futures::future::select(
                Box::pin(ws.recv()),
                Box::pin(dosim::sleep(Duration::from_secs(5))),
            )
            .await;
            match event {
                futures::future::Either::Left((Some(ClientEvent::Message(m)), _)) => {
                    let line = m.text().unwrap_or_default().to_string();
                    if line == "pong" {
                        continue;
                    }
                    if line.ends_with(&format!(": {text}")) {
                        seen.echoed.push(line.clone());
                        ok = true;
                    }
                    seen.lines.push(line);
                    if ok {
                        break;
                    }
                }
                futures::future::Either::Left(_) | futures::future::Either::Right(_) => break,
            }
        }
        if ok {
            sent += 1;
            socket = Some(ws);
        } else {
            // Broken or silent: join again, and send the next message (the
            // last one's fate is unknown).
            sent += 1;
        }
    }
    Ok(seen)
}

/// The workload: members chat, pause long enough for the room to
/// hibernate, and chat on; then the history and what each saw must agree.
pub async fn workload<S>(sim: Sim) -> Result<()>
where
    S: DurableObject + RpcTarget,
    Stub<S>: RoomRpc,
{
    let rooms = sim.register::<S>("ROOM")?;
    let mut tasks = Vec::new();
    for (i, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<S>("ROOM")?;
        let name = format!("m{i}");
        let pause = Duration::from_millis(10_000 + sim.random_below(5_000));
        tasks.push(client.spawn(member(ns, name, pause)));
    }
    let mut seen = BTreeMap::new();
    for (i, s) in dosim::join_all(tasks).await?.into_iter().enumerate() {
        seen.insert(format!("m{i}"), s?);
    }
    let history = sim
        .eventually(|| rooms.get_by_name("lobby").history())
        .await?;
    audit(&sim, &seen, &history)
}

fn audit(sim: &Sim, seen: &BTreeMap<String, Seen>, history: &[(String, String)]) -> Result<()> {
    for (name, s) in seen {
        for line in &s.echoed {
            let text = line.split_once(": ").map(|(_, t)| t).unwrap_or(line);
            if !line.starts_with(&format!("{name}: ")) {
                // The story follows the member whose name was lost.
                sim.focus(name);
                dosim::bail!(
                    "{name}'s message {text:?} came back as {line:?}: the room lost who sent it"
                );
            }
            if !history.iter().any(|(n, t)| n == name && t == text) {
                dosim::bail!(
                    "{name}'s message {text:?} was echoed but is not in the history under {name}"
                );
            }
        }
        // Per author, lines arrive in the order sent.
        let mut last: BTreeMap<&str, u64> = BTreeMap::new();
        for line in &s.lines {
            let Some((_, text)) = line.split_once(": ") else {
                continue;
            };
            let Some((author, n)) = text.rsplit_once('-') else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            if let Some(prev) = last.insert(author, n) {
                if n <= prev {
                    dosim::bail!("{name} saw {author}'s message {n} after {prev}");
                }
            }
        }
    }
    Ok(())
}

/// How the example and its tests run it.
pub fn runner(name: &str) -> Runner {
    Runner::new(name).seeds(200)
}
