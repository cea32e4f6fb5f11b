//! Readable traces of a few fixed seeds, as insta snapshots: any change in
//! what the runtime does — an event more, a different order, another
//! latency — shows in review as a diff of these files
//! (`sim-tests/snapshots/`). Review and accept with `cargo insta review`
//! (or `INSTA_UPDATE=always cargo test --test snapshots`).

use std::time::Duration;

use dosim::trace::text::render;
use dosim::{ClientEvent, Faults, Request, Runner, Seed, WorldConfig};

use dosim_workloads::chat::{self, RoomRpc};
use dosim_workloads::counter::{self, CounterRpc};
use dosim_workloads::subscription::{self, PaymentsRpc, SubscriptionRpc};
use dosim_workloads::{chat_memory_names, counter_racy};

fn readable(_runner: &Runner, record: &dosim::RunRecord) -> String {
    assert!(record.failure.is_none(), "{:?}", record.failure);
    render(&record.trace, &record.trace, &WorldConfig::default())
}

#[test]
fn counter_two_increments() {
    let runner = Runner::new("snapshot_counter").faults(Faults::None);
    let record = runner.record(Seed::nth(0), |sim| async move {
        let ns = sim.register::<counter::Counter>("COUNTER")?;
        ns.get_by_name("room-7").increment(1).await?;
        ns.get_by_name("room-7").increment(2).await?;
        Ok(())
    });
    insta::assert_snapshot!(readable(&runner, &record));
}

#[test]
fn counter_through_a_crash() {
    let plan: dosim::sim::FaultPlan = serde_json::from_str(
        r#"{"schedule": [{"at_ms": 3, "fault": {"kind": "crash", "host": "host-0", "restart_after_ms": 200}},
                         {"at_ms": 3, "fault": {"kind": "crash", "host": "host-1", "restart_after_ms": 50}}]}"#,
    )
    .unwrap();
    let runner = Runner::new("snapshot_counter_crash").faults(Faults::Plan(plan));
    let record = runner.record(Seed::nth(1), |sim| async move {
        let ns = sim.register::<counter::Counter>("COUNTER")?;
        let first = ns.get_by_name("room-7").increment(1).await;
        dosim::sleep(Duration::from_millis(300)).await;
        let second = ns.get_by_name("room-7").increment(1).await?;
        sim.note(format!(
            "first: {:?}, second: {second}",
            first.map_err(|e| e.to_string())
        ));
        Ok(())
    });
    insta::assert_snapshot!(readable(&runner, &record));
}

#[test]
fn chat_hibernates_and_wakes() {
    let runner = Runner::new("snapshot_chat").faults(Faults::None);
    let record = runner.record(Seed::nth(0), |sim| async move {
        let rooms = sim.register::<chat::Room>("ROOM")?;
        let ws = rooms
            .get_by_name("lobby")
            .connect(Request::get("https://room/join?name=ada"))
            .await?;
        ws.send("hello")?;
        assert!(matches!(ws.recv().await, Some(ClientEvent::Message(_))));
        dosim::sleep(Duration::from_secs(15)).await;
        ws.send("ping")?;
        ws.send("again")?;
        ws.recv().await;
        ws.recv().await;
        assert_eq!(rooms.get_by_name("lobby").history().await?.len(), 2);
        Ok(())
    });
    insta::assert_snapshot!(readable(&runner, &record));
}

#[test]
fn subscription_bills_two_months() {
    let runner = subscription::runner("snapshot_subscription").faults(Faults::None);
    let record = runner.record(Seed::nth(0), |sim| async move {
        sim.register::<subscription::Payments>("PAYMENTS")?;
        let subs = sim.register::<subscription::Subscription>("SUBSCRIPTION")?;
        subs.get_by_name("ada")
            .subscribe("ada".into(), 1_000)
            .await?;
        dosim::sleep(Duration::from_millis(subscription::MONTH_MS + 10_000)).await;
        subs.get_by_name("ada").cancel().await?;
        let ledger = sim
            .client(0)
            .namespace::<subscription::Payments>("PAYMENTS")?
            .get_by_name("processor")
            .ledger()
            .await?;
        assert_eq!(ledger.len(), 2);
        Ok(())
    });
    insta::assert_snapshot!(readable(&runner, &record));
}

/// The report of a buggy twin's first seed with no faults, its trace
/// file's path (which depends on where the tests run) left out.
fn first_report(
    runner: Runner,
    body: fn(dosim::Sim) -> futures::future::LocalBoxFuture<'static, dosim::Result<()>>,
) -> String {
    let report = runner.faults(Faults::None).seeds(1).quiet().run(body);
    let failure = report.failures.first().expect("the buggy twin is caught");
    failure
        .text
        .lines()
        .filter(|l| !l.trim_start().starts_with("trace:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The report's first lines: where the story has to be.
fn first_screen(report: &str) -> String {
    report.lines().take(15).collect::<Vec<_>>().join("\n")
}

#[test]
fn counter_racy_report_tells_the_lost_update() {
    let report = first_report(Runner::new("counter_racy"), |sim| {
        Box::pin(counter_racy::workload(sim))
    });
    let screen = first_screen(&report);
    let reads: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("story:"))
        .take_while(|l| !l.contains("replay:"))
        .filter(|l| l.contains(" read count"))
        .collect();
    assert_eq!(
        reads.len(),
        2,
        "both conflicting reads, with their values:\n{screen}"
    );
    assert!(
        reads
            .iter()
            .all(|l| l.ends_with(reads[0].rsplit(" read ").next().unwrap())),
        "the two reads saw the same value:\n{screen}"
    );
    insta::assert_snapshot!(report);
}

#[test]
fn chat_memory_names_report_tells_the_hibernation() {
    let report = first_report(chat::runner("chat_memory_names"), |sim| {
        Box::pin(chat::workload::<chat_memory_names::ForgetfulRoom>(sim))
    });
    let screen = first_screen(&report);
    assert!(
        screen.contains("instance ended: Hibernated") || screen.contains("instance ended: Evicted"),
        "the end of the instance that held the names:\n{screen}"
    );
    assert!(screen.contains("natural hibernate x1"), "{screen}");
    insta::assert_snapshot!(report);
}
