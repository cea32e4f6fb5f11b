//! The workloads of the workers-rs proof objects (`compat/proof`): the
//! objects are written only against the `worker` API; these drive them
//! with dosim's simulated clients, for the sim tests and the
//! `workers_rs_*` examples.
//!
//! - [`counting`]: every client increments one counter through the Worker
//!   entry at once; the count is at least what was acknowledged and at
//!   most what was attempted.
//! - [`chatting`]: two members talk in rounds with the room hibernating
//!   between them; every line names its sender.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dosim::{ClientEvent, DurableObject, Message, Request, RpcTarget, Sim};
use dosim_worker_proof::entry::WorkerEntry;

/// Increments each client sends through the Worker.
const INCREMENTS_PER_CLIENT: u64 = 3;

/// Chat rounds; the room hibernates between two.
const CHAT_ROUNDS: u64 = 3;

/// Longer than the idle time after which a room holding only
/// hibernatable sockets hibernates.
const BETWEEN_ROUNDS: Duration = Duration::from_secs(15);

/// Sends increments to `/<route>/room/increment` through the Worker from
/// every client at once, then reads the count: it is at least what was
/// acknowledged and at most what was attempted.
pub async fn counting<O: DurableObject + RpcTarget>(
    sim: Sim,
    binding: &str,
    route: &'static str,
) -> dosim::Result<()> {
    sim.register::<O>(binding)?;
    sim.worker::<WorkerEntry>("app")?;
    let mut tasks = Vec::new();
    for client in sim.clients() {
        let app = client.worker("app")?;
        tasks.push(client.spawn(async move {
            let mut acknowledged = 0;
            for _ in 0..INCREMENTS_PER_CLIENT {
                let req = Request::post(&format!("https://app.example/{route}/room/increment"), "");
                if matches!(app.fetch(req).await, Ok(resp) if resp.status() == 200) {
                    acknowledged += 1;
                }
            }
            acknowledged
        }));
    }
    let acknowledged: u64 = dosim::join_all(tasks).await?.into_iter().sum();
    let attempted = INCREMENTS_PER_CLIENT * sim.clients().len() as u64;
    let app = sim.client(0).worker("app")?;
    let count: u64 = sim
        .eventually(|| {
            let answer = app.fetch(Request::get(&format!(
                "https://app.example/{route}/room/value"
            )));
            async move {
                let resp = answer.await?;
                if resp.status() != 200 {
                    dosim::bail!("the value read answered {}", resp.status());
                }
                resp.text()?
                    .parse::<u64>()
                    .map_err(|e| dosim::Error::new(e.to_string()))
            }
        })
        .await?;
    if !(acknowledged <= count && count <= attempted) {
        dosim::bail!(
            "increments lost or invented: {acknowledged} acknowledged, {attempted} attempted, count {count}"
        );
    }
    Ok(())
}

/// A chat line is `speaker: sender-round`; the speaker must be the sender.
fn check_line(line: &str, round: u64, reached: &AtomicU64) -> dosim::Result<()> {
    let (speaker, text) = line.split_once(": ").unwrap_or(("", line));
    let sender = text.split('-').next().unwrap_or_default();
    if speaker != sender {
        dosim::bail!("the room lost who sent it: {sender} sent {text:?}, the room said {line:?}");
    }
    if round > 0 {
        reached.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

/// Two members talk in rounds, with the room hibernating between rounds;
/// every line a member gets names its sender. A socket a fault breaks is
/// opened again in the next round. `reached` counts the lines checked
/// after a hibernation, to show the property was reached.
pub async fn chatting<O: DurableObject + RpcTarget>(
    sim: Sim,
    reached: &'static AtomicU64,
) -> dosim::Result<()> {
    let rooms = sim.register::<O>("CHAT")?;
    let mut members = Vec::new();
    for (client, name) in sim.clients().into_iter().zip(["ada", "bob"]) {
        let rooms = rooms.clone();
        members.push(client.spawn(async move {
            let mut socket = None;
            for round in 0..CHAT_ROUNDS {
                if socket.is_none() {
                    let join = Request::get(&format!("https://chat.example/ws?name={name}"));
                    socket = rooms.get_by_name("lobby").connect(join).await.ok();
                }
                if let Some(s) = &socket {
                    if s.send(Message::Text(format!("{name}-{round}"))).is_err() {
                        socket = None;
                    }
                }
                dosim::sleep(BETWEEN_ROUNDS).await;
                while let Some(event) = socket.as_ref().and_then(|s| s.try_recv()) {
                    match event {
                        ClientEvent::Message(Message::Text(line)) => {
                            check_line(&line, round, reached)?
                        }
                        ClientEvent::Message(Message::Binary(_)) => {}
                        _ => socket = None,
                    }
                }
            }
            Ok::<(), dosim::Error>(())
        }));
    }
    for result in dosim::join_all(members).await? {
        result?;
    }
    Ok(())
}
