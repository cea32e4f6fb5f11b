//! `session_trusts_flag`: the session's buggy twin, which dosim must catch.
//!
//! When the admin says the flag changed, it does not keep the value it was
//! told: it reads the flag back from the KV namespace — which the admin
//! just wrote — and stores what it read. But the admin wrote at its own
//! edge, and the session's host still has the flag cached from the banner
//! it showed at connect: a stale "not found" within the namespace's
//! staleness bound, which the twin takes for the new value. Actions after
//! the flip then run with beta off, and the session workload's property
//! `actions_after_flip_see_it` fails. Everything else, the archiving of
//! old activity to the bucket included, is the session's own.

use dosim::{DurableObject, Env, Result, State};

use crate::session::{self, flag_key, Session, FLAGS};

/// A session that trusts the namespace to hold what was just written.
pub struct FlagTrustingSession {
    inner: Session,
}

impl DurableObject for FlagTrustingSession {
    fn new(state: State, env: Env) -> Self {
        FlagTrustingSession {
            inner: Session::new(state, env),
        }
    }
}

#[dosim::rpc_methods(impl session::SessionRpc, fallback = inner)]
impl FlagTrustingSession {
    async fn set_beta(&self, _on: bool) -> Result<()> {
        let storage = self.inner.state.storage();
        let user: String = storage.get("profile").await?.unwrap_or_default();
        // BUG: the namespace is eventually consistent; this location may
        // still hold the flag as it was.
        let flag = self
            .inner
            .env
            .kv_namespace(FLAGS)?
            .get(&flag_key(&user))
            .await?;
        storage.put("beta", &(flag.as_deref() == Some("on"))).await
    }
}

/// The session's workload, on the flag-trusting twin.
pub async fn workload(sim: dosim::Sim) -> Result<()> {
    session::workload::<FlagTrustingSession>(sim).await
}
