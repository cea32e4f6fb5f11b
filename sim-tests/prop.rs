//! Property-based tests of an object: proptest draws workloads (per-client
//! operations with think times) and fault plans; a failing case shrinks to
//! fewer operations and fewer faults while it still fails.

use std::time::Duration;

use dosim::prop::{self, Case, Workload};
use dosim::{DurableObject, Result, RpcTarget, Runner, Sim, Stub, WorldConfig};
use dosim_workloads::counter::{Counter, CounterRpc};
use dosim_workloads::counter_racy::RacyCounter;
use proptest::prelude::*;

/// Each client increments by its operations' amounts; afterwards the count
/// must lie between what was acknowledged and what was attempted.
async fn apply<O>(sim: Sim, workload: Workload<u64>) -> Result<()>
where
    O: DurableObject + RpcTarget,
    Stub<O>: CounterRpc,
{
    let ns = sim.register::<O>("COUNTER")?;
    let clients = sim.clients();
    let mut tasks = Vec::new();
    for (steps, client) in workload.clients.into_iter().zip(clients.iter().cycle()) {
        let ns = client.namespace::<O>("COUNTER")?;
        tasks.push(client.spawn(async move {
            let (mut acked, mut tried) = (0, 0);
            for step in steps {
                tried += step.op;
                if ns.get_by_name("c").increment(step.op).await.is_ok() {
                    acked += step.op;
                }
                dosim::sleep(Duration::from_millis(step.think_ms)).await;
            }
            (acked, tried)
        }));
    }
    let (mut acked, mut tried) = (0, 0);
    for (a, b) in dosim::join_all(tasks).await? {
        acked += a;
        tried += b;
    }
    let count = sim.eventually(|| ns.get_by_name("c").value()).await?;
    if count < acked || count > tried {
        dosim::bail!("acknowledged {acked}, attempted {tried}, but the count is {count}");
    }
    Ok(())
}

fn cases() -> impl Strategy<Value = Case<u64>> {
    let world = WorldConfig::default();
    (
        prop::workload(1..4u64, 3, 6),
        prop::fault_plan(&world, 4, 2_000),
    )
        .prop_map(|(workload, plan)| Case { workload, plan })
}

#[test]
fn the_counter_holds_under_drawn_workloads_and_faults() {
    let report = prop::check(&Runner::new("prop_counter"), 48, cases(), apply::<Counter>);
    assert!(report.passed(), "{report}");
}

#[test]
fn the_racy_counter_fails_and_shrinks_to_a_tiny_case() {
    let report = prop::check(&Runner::new("prop_racy"), 48, cases(), apply::<RacyCounter>);
    let (ops_before, faults_before) = report
        .first_failure
        .expect("the lost update went unnoticed");
    let (ops, faults, reason) = report.shrunk.clone().expect("shrunk");
    eprintln!("{report}");
    assert!(reason.contains("but the count is"), "{reason}");
    assert!(ops <= 3 && ops < ops_before.max(4), "{report}");
    assert_eq!(faults, 0, "no fault is needed to lose an update: {report}");
    assert!(faults <= faults_before);
}
