//! Objects written for workers-rs, unchanged, under simulation: the proof
//! crate's counter, SQL counter and chat room (built on the `worker`
//! mirror) keep their properties under swarm faults, and each planted bug
//! is caught.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dosim::{ClientEvent, DurableObject, Faults, Message, Request, RpcTarget, Runner, Sim};
use dosim_worker_proof::chat::{ChatMemoryNames, ChatRoom};
use dosim_worker_proof::counter::{Counter, CounterRacy};
use dosim_worker_proof::entry::WorkerEntry;
use dosim_worker_proof::sql_counter::SqlCounter;

/// Increments each client sends through the Worker.
const INCREMENTS_PER_CLIENT: u64 = 3;

/// Chat rounds; the room hibernates between two.
const CHAT_ROUNDS: u64 = 3;

/// Longer than the idle time after which a room holding only
/// hibernatable sockets hibernates.
const BETWEEN_ROUNDS: Duration = Duration::from_secs(15);

/// Lines a member of the correct room checked after the room had
/// hibernated, over every seed: proof that the property was reached, not
/// only never violated.
static CHECKED_AFTER_HIBERNATION: AtomicU64 = AtomicU64::new(0);

/// The same count for the twin's runs, kept apart.
static TWIN_CHECKED_AFTER_HIBERNATION: AtomicU64 = AtomicU64::new(0);

/// Sends increments to `/<route>/room/increment` through the Worker from
/// every client at once, then reads the count: it is at least what was
/// acknowledged and at most what was attempted.
async fn counting<O: DurableObject + RpcTarget>(
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

#[test]
fn the_workers_rs_counter_behind_its_worker_counts_every_acknowledged_increment() {
    Runner::new("workers_rs_counter")
        .seeds(10)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim| counting::<Counter>(sim, "COUNTER", "counter"))
        .assert_passed();
}

#[test]
fn the_workers_rs_sql_counter_counts_every_acknowledged_increment() {
    Runner::new("workers_rs_sql_counter")
        .seeds(10)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim| counting::<SqlCounter>(sim, "SQL_COUNTER", "sql"))
        .assert_passed();
}

#[test]
fn the_workers_rs_counter_that_waits_between_read_and_write_is_caught() {
    let report = Runner::new("workers_rs_counter_racy")
        .seeds(10)
        .faults(Faults::None)
        .quiet()
        .run(|sim| counting::<CounterRacy>(sim, "COUNTER", "counter"));
    let failure = report
        .failures
        .first()
        .expect("the racy counter went unnoticed");
    assert!(failure.text.contains("increments lost"), "{}", failure.text);
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
/// opened again in the next round.
async fn chatting<O: DurableObject + RpcTarget>(
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

#[test]
fn the_workers_rs_chat_room_names_every_sender_across_hibernation() {
    Runner::new("workers_rs_chat")
        .seeds(10)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim| chatting::<ChatRoom>(sim, &CHECKED_AFTER_HIBERNATION))
        .assert_passed();
    assert!(
        CHECKED_AFTER_HIBERNATION.load(Ordering::Relaxed) > 0,
        "no line was checked after the room hibernated"
    );
}

#[test]
fn the_workers_rs_chat_room_keeping_names_in_memory_is_caught() {
    let report = Runner::new("workers_rs_chat_memory_names")
        .seeds(10)
        .faults(Faults::None)
        .quiet()
        .run(|sim| chatting::<ChatMemoryNames>(sim, &TWIN_CHECKED_AFTER_HIBERNATION));
    let failure = report
        .failures
        .first()
        .expect("the forgetful room went unnoticed");
    assert!(
        failure.text.contains("lost who sent it"),
        "{}",
        failure.text
    );
}
