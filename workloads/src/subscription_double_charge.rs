//! The `subscription_double_charge` example: the subscription's buggy
//! twin, which charges twice when its alarm is retried; the subscription's
//! workload must catch it.

use dosim::{AlarmInfo, DurableObject, Env, Result, State};

use crate::subscription::{self, SubscriptionRpc};

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
