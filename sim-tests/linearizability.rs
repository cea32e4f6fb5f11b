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

#[test]
fn the_counters_history_is_linearizable_under_faults() {
    let report = Runner::new("linearizable_counter")
        .seeds(30)
        .faults(Faults::Swarm)
        .quiet()
        .run(workload::<counter::Counter>);
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
}

#[test]
fn the_racy_counters_history_is_not() {
    let report = Runner::new("linearizable_racy")
        .seeds(10)
        .faults(Faults::None)
        .quiet()
        .run(workload::<RacyCounter>);
    let failure = report
        .failures
        .first()
        .expect("the lost update went unnoticed");
    assert!(
        failure.text.contains("not linearizable"),
        "{}",
        failure.text
    );
    eprintln!("{}", failure.text);
}

#[test]
fn the_counters_history_comes_with_a_witness_under_faults() {
    let report = Runner::new("linearizable_witness")
        .seeds(20)
        .faults(Faults::Swarm)
        .quiet()
        .run(witness);
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
}

#[test]
fn the_racy_counter_fails_in_verdict_only_mode_too() {
    let report = Runner::new("linearizable_racy_verdict")
        .seeds(10)
        .faults(Faults::None)
        .quiet()
        .run(verdict_only);
    let failure = report
        .failures
        .first()
        .expect("the lost update went unnoticed");
    assert!(
        failure.text.contains("not linearizable") && failure.text.contains("verdict only"),
        "{}",
        failure.text
    );
}
