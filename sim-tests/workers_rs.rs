//! Objects written for workers-rs, unchanged, under simulation: the proof
//! crate's counter, SQL counter and chat room (built on the `worker`
//! mirror) keep their properties under swarm faults, and each planted bug
//! is caught.

use std::sync::atomic::{AtomicU64, Ordering};

use dosim::{Faults, Runner};
use dosim_worker_proof::chat::{ChatMemoryNames, ChatRoom};
use dosim_worker_proof::counter::{Counter, CounterRacy};
use dosim_worker_proof::sql_counter::SqlCounter;
use dosim_workloads::workers_rs::{chatting, counting};

/// Lines a member of the correct room checked after the room had
/// hibernated, over every seed: proof that the property was reached, not
/// only never violated.
static CHECKED_AFTER_HIBERNATION: AtomicU64 = AtomicU64::new(0);

/// The same count for the twin's runs, kept apart.
static TWIN_CHECKED_AFTER_HIBERNATION: AtomicU64 = AtomicU64::new(0);

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

/// An object that exercises the mirror's API, one operation per path.
mod probe {
    use std::time::Duration;

    use worker::{durable_object, Error, Request, Response, Result, State};

    #[derive(serde::Serialize)]
    struct Pair {
        a: u64,
        b: u64,
    }

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Note {
        by: String,
    }

    #[durable_object]
    pub struct Probe {
        state: State,
        env: worker::Env,
    }

    impl worker::DurableObject for Probe {
        fn new(state: State, env: worker::Env) -> Self {
            Probe { state, env }
        }

        async fn fetch(&self, mut req: Request) -> Result<Response> {
            let storage = self.state.storage();
            let path = req.path();
            match path.as_str() {
                "/alarm" => {
                    storage.set_alarm(Duration::from_secs(1)).await?;
                    let at = storage.get_alarm().await?.unwrap_or_default();
                    Response::ok(at.to_string())
                }
                "/alarmed" => {
                    let alarmed: bool = storage.get("alarmed").await?.unwrap_or(false);
                    Response::ok(alarmed.to_string())
                }
                "/transaction" => {
                    let outcome = storage
                        .transaction(|txn| async move {
                            let missing = txn.get::<u64>("nope").await.unwrap_err();
                            txn.put("t", 1u64).await?;
                            Err(Error::RustError(format!("abort after {missing}")))
                        })
                        .await
                        .unwrap_err();
                    let kept: Option<u64> = storage.get("t").await?;
                    Response::ok(format!("{outcome}; kept {kept:?}"))
                }
                "/put_multiple" => {
                    storage.put_multiple(Pair { a: 1, b: 2 }).await?;
                    let b: Option<u64> = storage.get("b").await?;
                    let deleted = storage.delete_multiple(vec!["a", "b", "c"]).await?;
                    Response::ok(format!("b={b:?} deleted={deleted}"))
                }
                "/self_stub" => match self.state.id().get_stub() {
                    Ok(_) => Response::ok("a stub"),
                    Err(e) => Response::ok(e.to_string()),
                },
                "/echo" => {
                    let immutable = req.headers_mut().is_err();
                    let header = req.headers().get("x-name")?.unwrap_or_default();
                    let body = req.text().await?;
                    let again = req.text().await.unwrap_err();
                    Response::ok(format!("{header} {body} immutable={immutable} {again}"))
                }
                "/kv" => {
                    let kv = self.env.kv("CONFIG")?;
                    let note = Note { by: "ada".into() };
                    kv.put("greeting", "hello")?
                        .metadata(&note)?
                        .execute()
                        .await?;
                    kv.put("answer", 42)?.execute().await?;
                    let (text, meta) = kv.get("greeting").text_with_metadata::<Note>().await?;
                    let answer: Option<u64> = kv.get("answer").json().await?;
                    let listed = kv.list().prefix("gr".into()).execute().await?;
                    // One write per second per key, as Workers KV allows.
                    worker::Delay::from(Duration::from_millis(1_100)).await;
                    kv.delete("greeting").await?;
                    let gone = kv.get("greeting").text().await?;
                    let names: Vec<String> = listed.keys.into_iter().map(|k| k.name).collect();
                    Response::ok(format!(
                        "{text:?} {:?} {answer:?} {names:?} {gone:?}",
                        meta.map(|m| m.by)
                    ))
                }
                "/fail" => Err(Error::RustError("boom".into())),
                _ => Response::error("Not Found", 404),
            }
        }

        async fn alarm(&self) -> Result<Response> {
            self.state.storage().put("alarmed", true).await?;
            Response::ok("ALARMED")
        }
    }
}

/// Sends `path` (with `body`) to the probe named `p`; its text or error.
async fn probe(sim: &dosim::Sim, path: &str, body: &str) -> String {
    let stub = sim
        .client(0)
        .namespace::<probe::Probe>("PROBE")
        .expect("the probe is registered")
        .get_by_name("p");
    let req =
        dosim::Request::post(&format!("https://probe{path}"), body).with_header("x-name", "ada");
    match stub.fetch(req).await {
        Ok(resp) => format!("{} {}", resp.status(), resp.text().unwrap_or("?")),
        Err(e) => format!("error {}", e.message()),
    }
}

#[test]
fn the_mirror_keeps_workers_rs_semantics_for_alarms_transactions_requests_and_kv() {
    // A test of the API, not of faults: a fault-free sweep.
    Runner::new("workers_rs_api")
        .seeds(3)
        .faults(Faults::None)
        .quiet()
        .run(|sim| async move {
            sim.register::<probe::Probe>("PROBE")?;
            sim.kv_namespace("CONFIG")?;
            let at: u64 = probe(&sim, "/alarm", "").await[4..].parse().unwrap();
            let now_ms = dosim::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64;
            assert!(
                at > now_ms && at <= now_ms + 1_000,
                "alarm at {at}, now {now_ms}"
            );
            assert_eq!(probe(&sim, "/alarmed", "").await, "200 false");
            dosim::sleep(std::time::Duration::from_secs(2)).await;
            assert_eq!(probe(&sim, "/alarmed", "").await, "200 true");
            assert_eq!(
                probe(&sim, "/transaction", "").await,
                "200 abort after No such value in storage.; kept None"
            );
            assert_eq!(
                probe(&sim, "/put_multiple", "").await,
                "200 b=Some(2) deleted=2"
            );
            assert_eq!(
                probe(&sim, "/self_stub", "").await,
                "200 Cannot get stub from within a Durable Object"
            );
            assert_eq!(
                probe(&sim, "/echo", "hi").await,
                "200 ada hi immutable=true body has already been read"
            );
            // Read-your-write at the writing location, as the KV namespace keeps it.
            assert_eq!(
                probe(&sim, "/kv", "").await,
                r#"200 Some("hello") Some("ada") Some(42) ["greeting"] None"#
            );
            assert_eq!(probe(&sim, "/fail", "").await, "error boom");
            assert_eq!(probe(&sim, "/nowhere", "").await, "404 Not Found");
            Ok(())
        })
        .assert_passed();
}
