//! The user's object checked from its clients' side: the history of
//! concurrent calls (with unknown outcomes where faults hid them) must be
//! linearizable against a sequential model of the object.

use dosim::monitors::linearizability::{Checker, Model};
use dosim::{CallRecorder, DurableObject, Faults, Result, RpcTarget, Runner, Sim, Stub};
use dosim_workloads::counter::{self, CounterRpc};
use dosim_workloads::counter_racy::RacyCounter;

/// The counter as a plain state machine: `increment(by)` returns the new
/// count.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Count(u64);

impl Model for Count {
    type Op = u64;
    type Ret = u64;
    fn step(&self, by: &u64) -> (Self, u64) {
        (Count(self.0 + by), self.0 + by)
    }
}

async fn workload<O>(sim: Sim) -> Result<()>
where
    O: DurableObject + RpcTarget,
    Stub<O>: CounterRpc,
{
    record::<O>(&sim).await?.check(Count(0)).into_result()
}

/// Clients increment one counter concurrently; the history of their calls.
async fn record<O>(sim: &Sim) -> Result<CallRecorder<u64, u64>>
where
    O: DurableObject + RpcTarget,
    Stub<O>: CounterRpc,
{
    sim.register::<O>("COUNTER")?;
    let history = CallRecorder::<u64, u64>::new();
    let mut tasks = Vec::new();
    for (i, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<O>("COUNTER")?;
        let history = history.clone();
        tasks.push(client.spawn(async move {
            for n in 0..8u64 {
                let by = 1 + (i as u64 + n) % 3;
                let stub = ns.get_by_name("room-7");
                let _ = history.call(i as u64, by, stub.increment(by)).await;
            }
        }));
    }
    dosim::join_all(tasks).await?;
    Ok(history)
}

/// The counter's history has a witness: an order of the increments that
/// took effect, holding every acknowledged one, whose running totals are
/// the values the clients saw.
async fn witness(sim: Sim) -> Result<()> {
    let h = record::<counter::Counter>(&sim).await?.history();
    let order = Checker::new()
        .linearization(&h, Count(0))
        .map_err(|v| dosim::Error::new(v.to_string()))?;
    let mut count = 0;
    for id in &order {
        let o = h.get(*id).expect("an operation of the history");
        count += o.op;
        if o.ret().is_some_and(|&seen| seen != count) {
            return Err(dosim::Error::new(format!(
                "{id} saw {:?}, not {count}",
                o.ret()
            )));
        }
    }
    let acknowledged = h.ops().iter().filter(|o| o.ret().is_some()).count();
    let kept = order
        .iter()
        .filter(|id| h.get(**id).unwrap().ret().is_some())
        .count();
    if kept != acknowledged {
        return Err(dosim::Error::new(format!(
            "the witness holds {kept} of {acknowledged} acknowledged increments"
        )));
    }
    Ok(())
}

/// The racy counter, checked for a verdict only.
async fn verdict_only(sim: Sim) -> Result<()> {
    let history = record::<RacyCounter>(&sim).await?;
    history
        .check_with(&Checker::new().verdict_only(), Count(0))
        .into_result()
}

/// Runs `body` over `seeds` seeds under swarm faults; panics with the
/// first failure's report if one fails.
fn passes_under_faults<F>(name: &str, seeds: u64, body: fn(Sim) -> F)
where
    F: std::future::Future<Output = Result<()>> + 'static,
{
    let report = Runner::new(name)
        .seeds(seeds)
        .faults(Faults::Swarm)
        .quiet()
        .run(body);
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
}

/// The first failure's report of `body` over ten seeds with no faults.
fn first_failure<F>(name: &str, body: fn(Sim) -> F) -> String
where
    F: std::future::Future<Output = Result<()>> + 'static,
{
    let report = Runner::new(name)
        .seeds(10)
        .faults(Faults::None)
        .quiet()
        .run(body);
    report
        .failures
        .first()
        .expect("the lost update went unnoticed")
        .text
        .clone()
}

#[test]
fn the_counters_history_is_linearizable_under_faults() {
    passes_under_faults("linearizable_counter", 30, workload::<counter::Counter>);
}

#[test]
fn the_racy_counters_history_is_not() {
    let text = first_failure("linearizable_racy", workload::<RacyCounter>);
    assert!(text.contains("not linearizable"), "{text}");
    eprintln!("{text}");
}

#[test]
fn the_counters_history_comes_with_a_witness_under_faults() {
    passes_under_faults("linearizable_witness", 20, witness);
}

#[test]
fn the_racy_counter_fails_in_verdict_only_mode_too() {
    let text = first_failure("linearizable_racy_verdict", verdict_only);
    assert!(
        text.contains("not linearizable") && text.contains("verdict only"),
        "{text}"
    );
}
