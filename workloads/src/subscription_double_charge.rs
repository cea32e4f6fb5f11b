//! The `subscription_double_charge` example: the subscription's buggy
//! twin, which charges twice when its alarm is retried; the subscription's
//! workload must catch it.

use dosim::{AlarmInfo, DurableObject, Env, Result, State};

use crate::subscription::{self, Subscription, SubscriptionRpc};

/// A subscription that charges twice when its alarm is retried. Its RPC
/// methods are [`Subscription`]'s, run on the wrapped subscription.
pub struct DoubleCharge {
    state: State,
    env: Env,
    inner: Subscription,
}

impl DurableObject for DoubleCharge {
    fn new(state: State, env: Env) -> Self {
        DoubleCharge {
            inner: Subscription::new(state.clone(), env.clone()),
            state,
            env,
        }
    }

    async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        // The bug: no idempotency key on the charge.
        subscription::bill(&self.state, &self.env, false).await
    }
}

#[dosim::rpc_methods(impl SubscriptionRpc, fallback = inner)]
impl DoubleCharge {}
