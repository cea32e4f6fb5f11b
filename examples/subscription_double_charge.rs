//! `subscription_double_charge`: the subscription's buggy twin, which dosim
//! must catch.
//!
//! Its alarm charges the customer without an idempotency key. When the
//! alarm is retried after the charge went through — the charge's reply was
//! lost, or the host crashed before the subscription recorded the payment —
//! the retry charges the same month again. The workload is the
//! subscription's own, so the property that fails is "no customer is
//! charged twice for one period".
//!
//! ```text
//! cargo run --release --example subscription_double_charge -- --seeds 200   # exits 1
//! ```

use std::process::ExitCode;

use dosim::{AlarmInfo, DurableObject, Env, Result, State};

#[path = "subscription.rs"]
pub mod subscription;
use subscription::SubscriptionRpc;

/// A subscription that charges twice when its alarm is retried.
pub struct DoubleCharge {
    state: State,
    env: Env,
}

impl DurableObject for DoubleCharge {
    fn new(state: State, env: Env) -> Self {
        subscription::create_schema(&state);
        DoubleCharge { state, env }
    }

    async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        // The bug: no idempotency key on the charge.
        subscription::bill(&self.state, &self.env, false).await
    }
}

dosim::rpc! {
    impl SubscriptionRpc for DoubleCharge {
        async fn subscribe(&self, customer: String, trial_ms: u64) -> Result<u64> {
            subscription::subscribe(&self.state, customer, trial_ms).await
        }

        async fn cancel(&self) -> Result<()> {
            subscription::cancel(&self.state).await
        }
    }
}

fn main() -> ExitCode {
    dosim::cli_main(
        subscription::runner("subscription_double_charge"),
        subscription::workload::<DoubleCharge>,
    )
}
