//! The `start` hook: it loads state before any event, with the guarantees
//! of a `block_concurrency_while` body begun in the constructor, and a
//! failing hook resets the object as a failing block does.

use std::cell::Cell;
use std::time::Duration;

use dosim::sim::{Cause, What};
use dosim::{DurableObject, Env, Latency, Result, Runner, Seed, Sim, State, WorldConfig};

/// Loads its count in `start`; the env variable `START` says how the hook
/// behaves: `ok` (waits 300 ms, then loads), `fail_now` (fails before any
/// await), `fail_later` (fails after waiting).
struct Loader {
    state: State,
    env: Env,
    loaded: Cell<Option<u64>>,
}

impl DurableObject for Loader {
    fn new(state: State, env: Env) -> Self {
        Loader {
            state,
            env,
            loaded: Cell::new(None),
        }
    }

    async fn start(&self) -> Result<()> {
        let mode = self.env.var("START")?;
        if mode == "fail_now" {
            dosim::bail!("start failed at once");
        }
        dosim::sleep(Duration::from_millis(300)).await;
        if mode == "fail_later" {
            dosim::bail!("start failed after waiting");
        }
        let n = self.state.storage().get("n").await?.unwrap_or(0);
        self.loaded.set(Some(n));
        Ok(())
    }
}

#[dosim::rpc_methods(LoaderRpc)]
impl Loader {
    /// What `start` loaded, and when this call ran.
    async fn loaded(&self) -> Result<(Option<u64>, u64)> {
        Ok((self.loaded.get(), dosim::elapsed().as_millis() as u64))
    }

    /// Stores `n` for the next activation to load.
    async fn store(&self, n: u64) -> Result<()> {
        self.state.storage().put("n", &n).await
    }
}

/// Has only the default `start`.
struct Plain;

impl DurableObject for Plain {
    fn new(_state: State, _env: Env) -> Self {
        Plain
    }
}

#[dosim::rpc_methods(PlainRpc)]
impl Plain {
    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

fn world() -> WorldConfig {
    WorldConfig::new(2, 1).latency_between_kinds_us(Latency::us(1_000, 1_000))
}

/// `loaded()` on the object `x`, called from both clients at once.
async fn loaded_from_both_clients(sim: &Sim) -> Result<[Result<(Option<u64>, u64)>; 2]> {
    let stub = |client| -> Result<_> {
        Ok(sim
            .client(client)
            .namespace::<Loader>("LOADER")?
            .get_by_name("x"))
    };
    let first = sim.spawn(stub(0)?.loaded());
    let second = sim.spawn(stub(1)?.loaded());
    Ok([first.await?, second.await?])
}

#[test]
fn start_finishes_before_the_first_event_runs() {
    Runner::new("start_before_events")
        .world(world())
        .seeds(10)
        .run(|sim| async move {
            sim.set_var("START", "ok")?;
            let ns = sim.register::<Loader>("LOADER")?;
            for answer in loaded_from_both_clients(&sim).await? {
                let (loaded, at) = answer?;
                assert_eq!(loaded, Some(0), "an event ran before start loaded");
                assert!(at >= 300, "an event ran at {at} ms, inside start's 300 ms");
            }
            ns.get_by_name("x").store(5).await?;
            Ok(())
        })
        .assert_passed();
}

fn failing_start_resets_the_object(mode: &'static str, message: &'static str) {
    let runner = Runner::new("start_fails").world(world());
    let record = runner.record(Seed(7), move |sim| async move {
        sim.set_var("START", mode)?;
        sim.register::<Loader>("LOADER")?;
        let [first, second] = loaded_from_both_clients(&sim).await?;
        let first = first.expect_err("start failed");
        let second = second.expect_err("start failed");
        assert_eq!(first.to_string(), format!("Error: {message}"));
        assert!(first.remote, "{first:?}");
        assert_eq!(first, second, "every waiting event gets the same error");
        // The next event builds a new instance, which starts again.
        sim.set_var("START", "ok")?;
        let fresh = sim
            .client(1)
            .namespace::<Loader>("LOADER")?
            .get_by_name("x");
        assert_eq!(fresh.loaded().await?.0, Some(0));
        Ok(())
    });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let created = record
        .trace
        .iter()
        .filter(|e| matches!(e.what, What::InstanceCreated))
        .count();
    assert!(created >= 2, "the reset object came back as a new instance");
}

#[test]
fn a_start_that_fails_after_waiting_resets_the_object_and_fails_its_callers() {
    failing_start_resets_the_object("fail_later", "start failed after waiting");
}

#[test]
fn a_start_that_fails_at_once_resets_the_object_and_fails_its_callers() {
    failing_start_resets_the_object("fail_now", "start failed at once");
}

#[test]
fn the_default_start_adds_no_event() {
    let record = Runner::new("start_default").record(Seed(1), |sim| async move {
        sim.register::<Plain>("PLAIN")?
            .get_by_name("x")
            .ping()
            .await
    });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let blocks = record
        .trace
        .iter()
        .filter(|e| {
            matches!(
                e.what,
                What::EventStarted {
                    cause: Cause::BlockConcurrency,
                    ..
                }
            )
        })
        .count();
    assert_eq!(
        blocks, 0,
        "a start that never waits opens no blocking event"
    );
}
