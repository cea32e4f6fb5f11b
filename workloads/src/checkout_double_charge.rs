//! The `checkout_double_charge` example: the order's buggy twin, which
//! makes a fresh idempotency key for every charge attempt, so a retry after
//! a lost answer charges again; the checkout workload must catch it.

use dosim::{DurableObject, Env, State};

use crate::checkout::{self, Key, OrderRpc};

/// An order that retries its charge under a new key each time.
pub struct DoubleChargeOrder {
    state: State,
    env: Env,
}

impl DurableObject for DoubleChargeOrder {
    fn new(state: State, env: Env) -> Self {
        DoubleChargeOrder { state, env }
    }
}

dosim::rpc! {
    impl OrderRpc for DoubleChargeOrder {
        async fn place(&self, order: String, amount: u64) -> Result<String> {
            // The bug: the key changes from one attempt to the next.
            checkout::place(&self.state, &self.env, &order, amount, Key::PerAttempt).await
        }
    }
}
