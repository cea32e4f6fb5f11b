//! WebSockets and hibernation: what a client and an object see, the
//! documented limits, and the chat example with its buggy twin.

mod common;

use std::cell::RefCell;
use std::time::Duration;

use dosim::{
    ClientEvent, DurableObject, Env, Faults, Message, Request, Response, Result, Runner, State,
    WebSocket, WebSocketPair,
};

use common::greeter::{Greeter, GREETING};
use dosim_workloads::{chat, chat_memory_names};

/// An echo object: plain or hibernatable sockets, by query.
struct Echo {
    state: State,
    /// Constructor runs, to see hibernation happen.
    closes: RefCell<Vec<(u64, u16)>>,
}

impl DurableObject for Echo {
    fn new(state: State, _env: Env) -> Self {
        Echo {
            state,
            closes: RefCell::new(Vec::new()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let pair = WebSocketPair::new(&self.state)?;
        if req.url().contains("plain") {
            pair.server.accept()?;
        } else {
            let tags: Vec<&str> = if req.url().contains("many_tags") {
                vec!["t"; 11]
            } else {
                vec!["echo"]
            };
            self.state.accept_websocket(&pair.server, &tags)?;
            pair.server.serialize_attachment(&"kept")?;
        }
        Ok(Response::websocket(pair.client))
    }

    async fn websocket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        let text = message.text().unwrap_or_default().to_string();
        let reply = match text.as_str() {
            "attachment" => format!("{:?}", ws.deserialize_attachment::<String>()?),
            "tags" => format!("{:?}", self.state.get_tags(&ws)?),
            "count" => self.state.get_websockets(Some("echo")).len().to_string(),
            "big" => ws
                .serialize_attachment(&"x".repeat(3000))
                .unwrap_err()
                .to_string(),
            "closes" => format!("{:?}", self.closes.borrow()),
            "errors" => format!(
                "{}",
                self.state
                    .storage()
                    .get::<u64>("errors")
                    .await?
                    .unwrap_or(0)
            ),
            "stamp" => format!(
                "{}",
                self.state
                    .get_websocket_auto_response_timestamp(&ws)
                    .is_some()
            ),
            "auto" => {
                self.state
                    .set_websocket_auto_response(Some(("ping", "pong")))?;
                "set".to_string()
            }
            other => other.to_string(),
        };
        ws.send(reply)
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: dosim::Error) -> Result<()> {
        let n: u64 = self.state.storage().get("errors").await?.unwrap_or(0);
        self.state.storage().put("errors", &(n + 1)).await
    }

    async fn websocket_close(&self, ws: WebSocket, code: u16, _r: String, _c: bool) -> Result<()> {
        self.closes.borrow_mut().push((ws.id(), code));
        Ok(())
    }
}

impl dosim::RpcTarget for Echo {}

async fn next_text(ws: &dosim::ClientSocket) -> String {
    match ws.recv().await {
        Some(ClientEvent::Message(m)) => m.text().unwrap_or_default().to_string(),
        other => format!("{other:?}"),
    }
}

fn check(name: &str, body: fn(dosim::Sim) -> futures::future::LocalBoxFuture<'static, Result<()>>) {
    common::check(name, 3, body);
}

#[test]
fn messages_echo_in_order_and_the_attachment_and_tags_survive_hibernation() {
    check("ws_hibernation", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Echo>("ECHO")?;
            let ws = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            for i in 0..5 {
                ws.send(format!("m{i}"))?;
            }
            for i in 0..5 {
                assert_eq!(next_text(&ws).await, format!("m{i}"));
            }
            dosim::sleep(dosim::HIBERNATION_IDLE * 2).await; // hibernates
            ws.send("attachment")?;
            assert_eq!(next_text(&ws).await, "Some(\"kept\")");
            ws.send("tags")?;
            assert_eq!(next_text(&ws).await, "[\"echo\"]");
            Ok(())
        })
    });
}

#[test]
fn a_hibernated_object_really_lost_its_memory() {
    let runner = Runner::new("ws_memory")
        .seeds(1)
        .faults(Faults::None)
        .quiet();
    let record = runner.record(dosim::Seed::nth(0), |sim| async move {
        let ns = sim.register::<Echo>("ECHO")?;
        let ws = ns
            .get_by_name("e")
            .connect(Request::get("https://e/"))
            .await?;
        ws.send("hello")?;
        next_text(&ws).await;
        dosim::sleep(Duration::from_secs(30)).await;
        ws.send("again")?;
        assert_eq!(next_text(&ws).await, "again");
        Ok(())
    });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let hibernations = record
        .trace
        .iter()
        .filter(|e| {
            matches!(
                e.what,
                dosim::sim::What::InstanceEnded {
                    reason: dosim::sim::EndReason::Hibernated
                }
            )
        })
        .count();
    assert_eq!(
        hibernations, 1,
        "idle with a hibernatable socket, the room hibernates once"
    );
    let instances = record
        .trace
        .iter()
        .filter(|e| matches!(e.what, dosim::sim::What::InstanceCreated))
        .count();
    assert_eq!(
        instances, 2,
        "the message after hibernation built a new instance"
    );
}

#[test]
fn a_plain_socket_keeps_the_object_awake() {
    let runner = Runner::new("ws_plain")
        .seeds(1)
        .faults(Faults::None)
        .quiet();
    let record = runner.record(dosim::Seed::nth(0), |sim| async move {
        let ns = sim.register::<Echo>("ECHO")?;
        let ws = ns
            .get_by_name("e")
            .connect(Request::get("https://e/plain"))
            .await?;
        dosim::sleep(Duration::from_secs(30)).await;
        ws.send("still")?;
        assert_eq!(next_text(&ws).await, "still");
        Ok(())
    });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    assert!(!record.trace.iter().any(|e| matches!(
        e.what,
        dosim::sim::What::InstanceEnded {
            reason: dosim::sim::EndReason::Hibernated
        }
    )));
}

#[test]
fn a_client_close_reaches_the_handler_once_and_the_socket_leaves_the_list() {
    check("ws_close", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Echo>("ECHO")?;
            let a = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            let b = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            a.send("count")?;
            assert_eq!(next_text(&a).await, "2");
            b.close(dosim::CLOSE_NORMAL, "bye")?;
            assert!(b.send("more").is_err(), "a closed socket refuses to send");
            dosim::sleep(Duration::from_millis(200)).await;
            a.send("count")?;
            assert_eq!(next_text(&a).await, "1");
            a.send("closes")?;
            assert_eq!(next_text(&a).await, format!("[({}, 1000)]", b.id()));
            Ok(())
        })
    });
}

#[test]
fn the_auto_response_answers_without_the_handler_and_stamps_the_socket() {
    check("ws_auto", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Echo>("ECHO")?;
            let ws = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            ws.send("auto")?;
            assert_eq!(next_text(&ws).await, "set");
            ws.send("stamp")?;
            assert_eq!(next_text(&ws).await, "false");
            ws.send("ping")?;
            assert_eq!(next_text(&ws).await, "pong");
            ws.send("stamp")?;
            assert_eq!(next_text(&ws).await, "true");
            Ok(())
        })
    });
}

#[test]
fn limits_on_tags_and_attachments_are_clear_errors() {
    check("ws_limits", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Echo>("ECHO")?;
            let err = ns
                .get_by_name("e")
                .connect(Request::get("https://e/many_tags"))
                .await
                .unwrap_err();
            assert!(
                err.message().contains("at most 10 tags; 11 were provided"),
                "{err}"
            );
            let ws = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            ws.send("big")?;
            let text = next_text(&ws).await;
            assert!(text.contains("at most 2048 are allowed"), "{text}");
            let huge = ws
                .send(vec![0u8; dosim::MESSAGE_BYTES_MAX + 1])
                .unwrap_err();
            assert!(huge.message().contains("limit"), "{huge}");
            Ok(())
        })
    });
}

#[test]
fn a_crash_closes_sockets_with_1006() {
    let plan: dosim::sim::FaultPlan = serde_json::from_str(
        r#"{"schedule": [{"at_ms": 500, "fault": {"kind": "crash", "host": "host-0", "restart_after_ms": 100}},
                         {"at_ms": 500, "fault": {"kind": "crash", "host": "host-1", "restart_after_ms": 100}}]}"#,
    )
    .unwrap();
    let report = Runner::new("ws_crash")
        .seeds(2)
        .faults(Faults::Plan(plan))
        .quiet()
        .run(|sim| async move {
            let ns = sim.register::<Echo>("ECHO")?;
            let ws = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            dosim::sleep(Duration::from_secs(1)).await;
            match ws.recv().await {
                Some(ClientEvent::Close { code, .. }) => assert_eq!(code, dosim::CLOSE_ABNORMAL),
                other => panic!("expected a close, got {other:?}"),
            }
            assert!(ws.send("x").is_err());
            Ok(())
        });
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
}

#[test]
fn the_chat_room_keeps_names_and_order_under_faults_and_hibernation() {
    let report = chat::runner("chat")
        .seeds(40)
        .faults(Faults::Swarm)
        .quiet()
        .run(chat::workload::<chat::Room>);
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
    assert!(
        report
            .faults_injected
            .get(&dosim::sim::FaultKind::Hibernate)
            .copied()
            .unwrap_or(0)
            > 0
    );
}

#[test]
fn a_room_that_keeps_names_only_in_memory_is_caught() {
    let report = chat::runner("chat_memory_names")
        .seeds(20)
        .faults(Faults::None)
        .quiet()
        .run(chat::workload::<chat_memory_names::ForgetfulRoom>);
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

#[test]
fn a_partition_breaks_the_socket_and_the_object_hears_of_it() {
    let plan: dosim::sim::FaultPlan = serde_json::from_str(
        r#"{"schedule": [
            {"at_ms": 1000, "fault": {"kind": "partition", "a": "client-0", "b": "host-0", "heal_after_ms": 500}},
            {"at_ms": 1000, "fault": {"kind": "partition", "a": "client-0", "b": "host-1", "heal_after_ms": 500}}]}"#,
    )
    .unwrap();
    let report = Runner::new("ws_partition")
        .seeds(2)
        .faults(Faults::Plan(plan))
        .quiet()
        .run(|sim| async move {
            sim.register::<Echo>("ECHO")?;
            let ns = sim.client(0).namespace::<Echo>("ECHO")?;
            let ws = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            dosim::sleep(Duration::from_millis(1100)).await;
            ws.send("lost")?;
            match ws.recv().await {
                Some(ClientEvent::Close { code, .. }) => assert_eq!(code, dosim::CLOSE_ABNORMAL),
                other => panic!("expected a close, got {other:?}"),
            }
            dosim::sleep(Duration::from_secs(1)).await;
            let again = ns
                .get_by_name("e")
                .connect(Request::get("https://e/"))
                .await?;
            again.send("errors")?;
            assert_eq!(next_text(&again).await, "1", "websocket_error ran once");
            Ok(())
        });
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
}

#[test]
fn frames_sent_before_the_client_connected_all_arrive_in_order() {
    check("ws_early_frames", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Greeter>("GREETER")?;
            let ws = ns
                .get_by_name("g")
                .connect(Request::get("https://g/"))
                .await?;
            for line in GREETING {
                assert_eq!(next_text(&ws).await, line);
            }
            // The socket still carries what comes after them.
            ws.send("echo")?;
            assert_eq!(next_text(&ws).await, "echo");
            Ok(())
        })
    });
}

/// Closes its socket when dropped, as a client library does.
struct ClosingClient(dosim::ClientSocket);

impl Drop for ClosingClient {
    fn drop(&mut self) {
        let _ = self.0.close(1000, "client gone");
    }
}

/// A regression: a client that closes its socket while the run is being
/// torn down (its task outlives the test body) used to panic the runtime,
/// which looked the object up after the run's objects were gone. The close
/// has nowhere to go and is dropped; the run passes.
#[test]
fn a_socket_closed_during_teardown_is_dropped_quietly() {
    Runner::new("ws_close_in_teardown")
        .seeds(3)
        .faults(Faults::None)
        .quiet()
        .run(|sim| async move {
            let ns = sim.register::<Greeter>("GREETER")?;
            let ws = ns
                .get_by_name("g")
                .connect(Request::get("https://g/"))
                .await?;
            let client = ClosingClient(ws);
            // Still running when the body returns: dropped at teardown.
            let _task = sim.spawn(async move {
                let _client = client;
                std::future::pending::<()>().await;
            });
            Ok(())
        })
        .assert_passed();
}
