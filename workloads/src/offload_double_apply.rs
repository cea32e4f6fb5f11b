//! The `offload` example's buggy twin: a consumer that trusts the queue to
//! deliver each message once.
//!
//! It applies every job it receives with `apply_blindly`, which adds the
//! amount without looking for the job's record. The queue delivers at
//! least once: a message acknowledged and delivered again, or a batch whose
//! consumer crashed after applying a job but before acking it, applies that
//! job twice, and the account's balance no longer matches its jobs.

use dosim::{Env, Result, Sim};

use crate::offload::{Account, AccountRpc, Apply, CreditJob, ACCOUNTS};

/// The consumer that double-applies a redelivered job.
#[derive(Default)]
pub struct BlindApplier;

impl Apply for BlindApplier {
    async fn apply(&self, env: &Env, job: CreditJob) -> Result<()> {
        let accounts = env.namespace::<Account>(ACCOUNTS)?;
        accounts
            .get_by_name(&job.account)
            .apply_blindly(job.job, job.amount)
            .await
    }
}

/// The offload workload with the blind consumer.
pub async fn workload(sim: Sim) -> Result<()> {
    crate::offload::workload::<BlindApplier>(sim).await
}
