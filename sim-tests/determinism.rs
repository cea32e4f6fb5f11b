//! Determinism is the product: one seed, one trace, byte for byte; other
//! seeds, other interleavings.

use std::collections::BTreeSet;

use dosim::sim::What;
use dosim::{Runner, Seed, SqlValue};
use dosim_workloads::{chat, counter, subscription};

#[test]
fn the_same_seed_gives_the_same_trace() {
    let runner = Runner::new("same_seed_same_trace");
    for i in 0..5 {
        let seed = Seed::nth(i);
        let a = runner.record(seed, counter::workload::<counter::Counter>);
        let b = runner.record(seed, counter::workload::<counter::Counter>);
        assert!(a.failure.is_none(), "{:?}", a.failure);
        assert!(a.trace.len() > 100, "a real run: {} events", a.trace.len());
        assert_eq!(a.trace_hash(), b.trace_hash());
        assert_eq!(a.trace, b.trace);
        let json = |r: &dosim::RunRecord| serde_json::to_string(&r.trace).unwrap();
        assert_eq!(json(&a), json(&b), "byte-identical serialised traces");
    }
}

/// The order in which calls were delivered to the object, as call numbers.
fn delivery_order(record: &dosim::RunRecord) -> Vec<u64> {
    record
        .trace
        .iter()
        .filter_map(|e| match e.what {
            What::CallDelivered { call, .. } => Some(call),
            _ => None,
        })
        .collect()
}

#[test]
fn different_seeds_give_different_interleavings() {
    let runner = Runner::new("different_seeds_differ");
    let orders: BTreeSet<Vec<u64>> = (0..20)
        .map(|i| {
            delivery_order(&runner.record(Seed::nth(i), counter::workload::<counter::Counter>))
        })
        .collect();
    assert!(
        orders.len() >= 15,
        "20 seeds gave only {} distinct delivery orders",
        orders.len()
    );
}

#[test]
fn the_sweep_checks_its_first_seed_for_determinism() {
    // Process-global state survives from one run into the next, so a body
    // whose trace depends on it is not a function of its seed; the sweep's
    // self-check must say so, naming the first differing event. (The wall
    // clock and the OS random source would not do as canaries: madsim
    // simulates both.)
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let report =
        Runner::new("global_state_is_caught")
            .seeds(1)
            .quiet()
            .run(|sim: dosim::Sim| async move {
                let n = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                sim.note(format!("run number {n}"));
                Ok(())
            });
    assert!(!report.passed(), "global state went unnoticed");
    let reason = report.failures[0].reason.to_string();
    assert!(reason.contains("nondeterminism"), "{reason}");
    assert!(reason.contains("first difference is event #"), "{reason}");
}

/// The order a std `HashMap` iterates in, as a run's note: each run is on
/// a thread of its own, so madsim seeds the map's keys from the run's seed.
fn map_order(runner: &Runner, seed: Seed) -> String {
    let record = runner.record(seed, |sim: dosim::Sim| async move {
        let map: std::collections::HashMap<u32, ()> = (0..64).map(|k| (k, ())).collect();
        let order: Vec<u32> = map.into_keys().collect();
        sim.note(format!("{order:?}"));
        Ok(())
    });
    record
        .trace
        .iter()
        .find_map(|e| match &e.what {
            What::Note { text } => Some(text.clone()),
            _ => None,
        })
        .expect("the run noted its map order")
}

/// A user's object may iterate a `HashMap`: the order must follow the
/// seed, whatever ran before it in the process (runs share a worker and
/// its stack, never a thread).
#[test]
fn std_hash_map_order_follows_the_seed() {
    let runner = Runner::new("map_order");
    let (a, b) = (Seed::nth(1), Seed::nth(2));
    let first = map_order(&runner, a);
    let other = map_order(&runner, b);
    let again = map_order(&runner, a);
    assert_eq!(
        first, again,
        "the same seed iterated its map in another order"
    );
    assert_ne!(
        first, other,
        "two seeds gave 64 keys the same order: keys not seeded?"
    );
    let sweep = Runner::new("map_order_sweep")
        .seeds(3)
        .quiet()
        .jobs(Some(2));
    let report = sweep.run(|sim: dosim::Sim| async move {
        let map: std::collections::HashMap<u32, ()> = (0..64).map(|k| (k, ())).collect();
        sim.note(format!("{:?}", map.into_keys().collect::<Vec<_>>()));
        Ok(())
    });
    assert!(
        report.passed(),
        "the determinism self-check saw map order move"
    );
}

/// Alarms, sockets, hibernation and SQL (with `datetime('now')` and
/// `random()`) replay byte for byte too, under swarm faults.
#[test]
fn alarms_sockets_and_sql_replay_byte_for_byte() {
    let chat = chat::runner("chat_determinism").faults(dosim::Faults::Swarm);
    let subs = subscription::runner("subscription_determinism").faults(dosim::Faults::Swarm);
    for i in 0..3 {
        let seed = Seed::nth(i);
        let a = chat.record(seed, chat::workload::<chat::Room>);
        let b = chat.record(seed, chat::workload::<chat::Room>);
        assert!(a.failure.is_none(), "{:?}", a.failure);
        assert_eq!(a.trace, b.trace, "chat seed {seed}");
        let a = subs.record(seed, subscription::workload::<subscription::Subscription>);
        let b = subs.record(seed, subscription::workload::<subscription::Subscription>);
        assert!(a.failure.is_none(), "{:?}", a.failure);
        assert_eq!(a.trace, b.trace, "subscription seed {seed}");
    }
}

struct Clocked {
    state: dosim::State,
}

impl dosim::DurableObject for Clocked {
    fn new(state: dosim::State, _env: dosim::Env) -> Self {
        Clocked { state }
    }
}

dosim::rpc! {
    trait ClockedRpc for Clocked {
        async fn sample(&self) -> Result<Vec<SqlValue>> {
            let row = self
                .state
                .storage()
                .sql()
                .exec("SELECT datetime('now'), random(), hex(randomblob(4))", ())?
                .raw()
                .next()
                .unwrap_or_default();
            Ok(row)
        }

        /// SQL's `now` and the object's own clock, in Unix milliseconds,
        /// read in one access.
        async fn clocks(&self) -> Result<(i64, i64)> {
            let sql_ms = self
                .state
                .storage()
                .sql()
                .exec(
                    "SELECT CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)",
                    (),
                )?
                .raw()
                .next()
                .unwrap_or_default();
            let sql_ms = match sql_ms.first() {
                Some(SqlValue::Integer(ms)) => *ms,
                other => return Err(dosim::Error::new(format!("not a time: {other:?}"))),
            };
            let own_ms = dosim::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis() as i64;
            Ok((sql_ms, own_ms))
        }
    }
}

#[test]
fn sql_time_and_random_come_from_the_seed() {
    let runner = Runner::new("sql_clock").faults(dosim::Faults::None);
    let sample = |seed| {
        let out = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = out.clone();
        let r = runner.record(seed, move |sim| {
            let sink = sink.clone();
            async move {
                let ns = sim.register::<Clocked>("CLOCKED")?;
                dosim::sleep(std::time::Duration::from_secs(90)).await;
                let v = ns.get_by_name("c").sample().await?;
                *sink.lock().unwrap() = v;
                Ok(())
            }
        });
        assert!(r.failure.is_none(), "{:?}", r.failure);
        let v = out.lock().unwrap().clone();
        v
    };
    let a = sample(Seed::nth(0));
    assert_eq!(a, sample(Seed::nth(0)));
    assert!(
        matches!(&a[0], dosim::SqlValue::Text(t) if t.starts_with("2026-01-01 00:01:3")),
        "datetime('now') is on the simulated clock: {a:?}"
    );
}

/// SQL reads the simulated clock when it asks for the time, so `now` in
/// the object's SQL is the object's own `now`, at every access.
#[test]
fn sql_now_is_the_objects_now_at_each_access() {
    let runner = Runner::new("sql_now").faults(dosim::Faults::None);
    let r = runner.record(Seed::nth(3), |sim| async move {
        let ns = sim.register::<Clocked>("CLOCKED")?;
        let stub = ns.get_by_name("c");
        let mut seen = Vec::new();
        for pause_ms in [0, 90_000, 1_500, 300_000] {
            dosim::sleep(std::time::Duration::from_millis(pause_ms)).await;
            let (sql_ms, own_ms) = stub.clocks().await?;
            assert_eq!(sql_ms, own_ms, "SQL's now after a {pause_ms} ms pause");
            seen.push(sql_ms);
        }
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "SQL's now moves with the simulated clock: {seen:?}"
        );
        Ok(())
    });
    assert!(r.failure.is_none(), "{:?}", r.failure);
}
