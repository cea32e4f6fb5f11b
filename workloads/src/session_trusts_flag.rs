//! `session_trusts_flag`: the session's buggy twin, which dosim must catch.
//!
//! When the admin says the flag changed, it does not keep the value it was
//! told: it reads the flag back from the KV namespace — which the admin
//! just wrote — and stores what it read. But the admin wrote at its own
//! edge, and the session's host still has the flag cached from the banner
//! it showed at connect: a stale "not found" within the namespace's
//! staleness bound, which the twin takes for the new value. Actions after
//! the flip then run with beta off, and the session workload's property
//! `actions_after_flip_see_it` fails.

use std::cell::Cell;

use dosim::{DurableObject, Env, Result, State};

use crate::session::{self, flag_key, SessionRpc, FLAGS};

/// A session that trusts the namespace to hold what was just written.
pub struct FlagTrustingSession {
    state: State,
    env: Env,
    connections: Cell<u32>,
}

impl DurableObject for FlagTrustingSession {
    fn new(state: State, env: Env) -> Self {
        session::create_schema(&state);
        FlagTrustingSession {
            state,
            env,
            connections: Cell::new(0),
        }
    }
}

dosim::rpc! {
    impl SessionRpc for FlagTrustingSession {
        async fn join(&self, user: String) -> Result<String> {
            session::connect(&self.state, &self.env, &self.connections, &user).await
        }

        async fn set_beta(&self, _on: bool) -> Result<()> {
            let user: String = self.state.storage().get("profile").await?.unwrap_or_default();
            // BUG: the namespace is eventually consistent; this location may
            // still hold the flag as it was.
            let flag = self.env.kv_namespace(FLAGS)?.get(&flag_key(&user)).await?;
            self.state.storage().put("beta", &(flag.as_deref() == Some("on"))).await
        }

        async fn act(&self, n: u64, action: String) -> Result<bool> {
            session::act(&self.state, n, &action).await
        }

        async fn log(&self) -> Result<Vec<(i64, String, i64)>> {
            session::log(&self.state)
        }
    }
}

/// The session's workload, on the flag-trusting twin.
pub async fn workload(sim: dosim::Sim) -> Result<()> {
    session::workload::<FlagTrustingSession>(sim).await
}
