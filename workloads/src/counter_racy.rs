//! The `counter_racy` example: the counter's buggy twin, which loses
//! updates; the counter's workload must catch it.

use std::time::Duration;

use dosim::{DurableObject, Env, Result, State};

use crate::counter::{self, Counter, CounterRpc};

/// A counter that loses updates. Only `increment` differs from
/// [`Counter`]'s; its other methods run on the wrapped counter.
pub struct RacyCounter {
    state: State,
    inner: Counter,
}

impl DurableObject for RacyCounter {
    fn new(state: State, env: Env) -> Self {
        RacyCounter {
            inner: Counter::new(state.clone(), env),
            state,
        }
    }
}

#[dosim::rpc_methods(impl CounterRpc, fallback = inner)]
impl RacyCounter {
    async fn increment(&self, by: u64) -> Result<u64> {
        let storage = self.state.storage();
        let n: u64 = storage.get("count").await?.unwrap_or(0);
        // BUG: an await that leaves the object, between read and write.
        dosim::sleep(Duration::from_millis(2)).await;
        storage.put("count", &(n + by)).await?;
        storage.put(&counter::op_key(n + by), &by).await?;
        Ok(n + by)
    }
}

/// The counter's workload, on the racy twin.
pub async fn workload(sim: dosim::Sim) -> Result<()> {
    counter::workload::<RacyCounter>(sim).await
}
