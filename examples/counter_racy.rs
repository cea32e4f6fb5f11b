//! `counter_racy`: the counter's buggy twin, which dosim must catch.
//!
//! Its increment reads the count, then awaits something outside the object
//! — here a timer standing in for a call to another service — and only then
//! writes `count + 1`. That await opens the input gate, another increment
//! slips in between the read and the write, and one update is lost. The
//! workload is the counter's own, so the property that fails is the same:
//! the count must equal the acknowledged increments.
//!
//! ```text
//! cargo run --release --example counter_racy -- --seeds 100   # exits 1, prints replay: …
//! cargo run --release --example counter_racy -- save <seed>    # into corpus/counter_racy/
//! ```

use std::process::ExitCode;
use std::time::Duration;

use dosim::{DurableObject, Env, Result, Runner, State};

#[path = "counter.rs"]
pub mod counter;
use counter::CounterRpc;

/// A counter that loses updates.
pub struct RacyCounter {
    state: State,
}

impl DurableObject for RacyCounter {
    fn new(state: State, _env: Env) -> Self {
        RacyCounter { state }
    }
}

dosim::rpc! {
    impl CounterRpc for RacyCounter {
        pub async fn increment(&self, by: u64) -> Result<u64> {
            let storage = self.state.storage();
            let n: u64 = storage.get("count").await?.unwrap_or(0);
            // BUG: an await that leaves the object, between read and write.
            dosim::sleep(Duration::from_millis(2)).await;
            storage.put("count", &(n + by)).await?;
            storage.put(&counter::op_key(n + by), &by).await?;
            Ok(n + by)
        }

        pub async fn value(&self) -> Result<u64> {
            Ok(self.state.storage().get("count").await?.unwrap_or(0))
        }

        pub async fn audit(&self) -> Result<(u64, u64)> {
            counter::audit_storage(self.state.storage()).await
        }
    }
}

/// The counter's workload, on the racy twin.
pub async fn workload(sim: dosim::Sim) -> Result<()> {
    counter::workload::<RacyCounter>(sim).await
}

#[allow(dead_code)]
fn main() -> ExitCode {
    dosim::cli_main(Runner::new("counter_racy").seeds(100), workload)
}
