//! The `offload` example: an account object that hands slow work to a
//! queue instead of doing it inline, and the consumer Worker that applies
//! it, once per job however often the queue delivers it.
//!
//! A request to credit an account is accepted by the account object, which
//! sends the job (a unique id and an amount) to the `CREDITS` queue and
//! answers at once. The consumer applies each job through the account's
//! `apply_once`, which records the job id in the same write batch as the
//! new balance and skips a job it has recorded: a redelivered message (the
//! queue delivers at least once) changes nothing. Jobs that run out of
//! retries go to `CREDITS-DLQ`, whose consumer applies them the same way.
//!
//! The properties, after the queues drained:
//! - every job whose request was acknowledged was applied, and nothing
//!   was applied that was not requested (acknowledged ⊆ applied ⊆
//!   attempted);
//! - no job was applied twice: each account's balance is the sum of the
//!   jobs it recorded.

use std::collections::BTreeMap;
use std::time::Duration;

use dosim::platform::queue::{MessageBatch, QueueConfig};
use dosim::platform::worker::{Context, Worker};
use dosim::{DurableObject, Env, Result, Runner, Sim, State};
use serde::{Deserialize, Serialize};

/// The accounts' namespace binding.
pub const ACCOUNTS: &str = "ACCOUNTS";
/// The queue of credit jobs.
pub const CREDITS: &str = "CREDITS";
/// Where credit jobs that ran out of retries go.
pub const CREDITS_DLQ: &str = "CREDITS-DLQ";
/// The accounts the workload credits.
pub const ACCOUNT_NAMES: [&str; 3] = ["alice", "bob", "carol"];
/// Credit requests each client makes.
pub const REQUESTS_PER_CLIENT: u64 = 6;

/// One unit of slow work: credit `amount` to `account`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CreditJob {
    /// The account's name.
    pub account: String,
    /// Unique across the run.
    pub job: u64,
    /// How much.
    pub amount: u64,
}

/// An account: a balance, and the ids of the jobs applied to it.
pub struct Account {
    state: State,
    env: Env,
}

impl DurableObject for Account {
    fn new(state: State, env: Env) -> Self {
        Account { state, env }
    }
}

fn job_key(job: u64) -> String {
    format!("job:{job:016}")
}

dosim::rpc! {
    /// Calls to an account.
    pub trait AccountRpc for Account {
        /// Accepts a credit request: queues it, and answers once the queue
        /// has it, without waiting for it to be applied.
        pub async fn request_credit(&self, job: CreditJob) -> Result<()> {
            self.env.queue(CREDITS)?.send(&job).await
        }

        /// Applies `job` unless it was applied before; the job's record and
        /// the new balance are one write batch. Returns whether it applied.
        pub async fn apply_once(&self, job: u64, amount: u64) -> Result<bool> {
            let storage = self.state.storage();
            if storage.get::<u64>(&job_key(job)).await?.is_some() {
                return Ok(false);
            }
            let balance: u64 = storage.get("balance").await?.unwrap_or(0);
            storage.put("balance", &(balance + amount)).await?;
            storage.put(&job_key(job), &amount).await?;
            Ok(true)
        }

        /// Applies `job` whether or not it was applied before (what a
        /// consumer that trusts the queue to deliver once would do).
        pub async fn apply_blindly(&self, job: u64, amount: u64) -> Result<()> {
            let storage = self.state.storage();
            let balance: u64 = storage.get("balance").await?.unwrap_or(0);
            storage.put("balance", &(balance + amount)).await?;
            storage.put(&job_key(job), &amount).await?;
            Ok(())
        }

        /// The balance, and the jobs applied (id → amount).
        pub async fn ledger(&self) -> Result<(u64, BTreeMap<u64, u64>)> {
            let storage = self.state.storage();
            let balance: u64 = storage.get("balance").await?.unwrap_or(0);
            let jobs = storage
                .list::<u64>(dosim::ListOptions {
                    prefix: Some("job:".into()),
                    ..Default::default()
                })
                .await?
                .into_iter()
                .map(|(k, v)| (k["job:".len()..].parse().unwrap_or(u64::MAX), v))
                .collect();
            Ok((balance, jobs))
        }
    }
}

/// How a consumer applies one job to its account.
pub trait Apply: Default + 'static {
    /// Applies `job` through `env`'s accounts.
    fn apply(&self, env: &Env, job: CreditJob) -> impl std::future::Future<Output = Result<()>>;
}

/// The correct consumer: applies each job at most once.
#[derive(Default)]
pub struct Applier;

impl Apply for Applier {
    async fn apply(&self, env: &Env, job: CreditJob) -> Result<()> {
        let accounts = env.namespace::<Account>(ACCOUNTS)?;
        accounts
            .get_by_name(&job.account)
            .apply_once(job.job, job.amount)
            .await
            .map(|_| ())
    }
}

/// The consumer Worker of both queues, applying jobs with `A`: a message
/// is acked once applied, retried when applying failed.
#[derive(Default)]
pub struct Consumer<A>(A);

impl<A: Apply> Worker for Consumer<A> {
    async fn queue(&self, batch: MessageBatch, env: Env, _ctx: Context) -> Result<()> {
        for message in batch.messages() {
            let job: CreditJob = message.body()?;
            match self.0.apply(&env, job).await {
                Ok(()) => message.ack(),
                Err(_) => message.retry(),
            }
        }
        Ok(())
    }
}

/// What the clients saw: jobs acknowledged, and jobs attempted (id →
/// (account, amount)).
#[derive(Default)]
struct Tally {
    acknowledged: BTreeMap<u64, (String, u64)>,
    attempted: BTreeMap<u64, (String, u64)>,
}

/// The example's runner: its name and seeds.
pub fn runner(name: &str) -> Runner {
    Runner::new(name).seeds(200)
}

/// The workload and its properties, for a consumer applying jobs with `A`.
pub async fn workload<A: Apply>(sim: Sim) -> Result<()> {
    let accounts = sim.register::<Account>(ACCOUNTS)?;
    let config = QueueConfig::default()
        .max_batch_size(4)
        .max_batch_timeout(Duration::from_millis(500))
        .max_retries(10)
        .dead_letter_queue(CREDITS_DLQ);
    sim.queue(CREDITS, config)?;
    sim.queue(CREDITS_DLQ, QueueConfig::default().max_retries(10))?;
    sim.consumer::<Consumer<A>>(CREDITS)?;
    sim.consumer::<Consumer<A>>(CREDITS_DLQ)?;
    let mut clients = Vec::new();
    for (c, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<Account>(ACCOUNTS)?;
        let jobs: Vec<CreditJob> = (0..REQUESTS_PER_CLIENT)
            .map(|i| CreditJob {
                account: ACCOUNT_NAMES[sim.random_below(3) as usize].to_string(),
                job: c as u64 * 1_000 + i,
                amount: 1 + sim.random_below(100),
            })
            .collect();
        let think = Duration::from_micros(sim.random_below(200_000));
        clients.push(client.spawn(async move {
            let mut tally = Tally::default();
            for job in jobs {
                let entry = (job.account.clone(), job.amount);
                tally.attempted.insert(job.job, entry.clone());
                let stub = ns.get_by_name(&job.account);
                if stub.request_credit(job.clone()).await.is_ok() {
                    tally.acknowledged.insert(job.job, entry);
                }
                dosim::sleep(think).await;
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for tally in dosim::join_all(clients).await? {
        total.acknowledged.extend(tally.acknowledged);
        total.attempted.extend(tally.attempted);
    }
    // Applied eventually: every acknowledged job is in its account's ledger.
    sim.eventually(|| {
        let accounts = accounts.clone();
        let acknowledged = total.acknowledged.clone();
        async move {
            for name in ACCOUNT_NAMES {
                let (_, jobs) = accounts.get_by_name(name).ledger().await?;
                let missing = acknowledged
                    .iter()
                    .filter(|(id, (account, _))| account == name && !jobs.contains_key(id))
                    .count();
                if missing > 0 {
                    dosim::bail!("{missing} acknowledged jobs of {name} not applied yet");
                }
            }
            Ok(())
        }
    })
    .await?;
    // Let redeliveries still under way land before the final reading.
    dosim::sleep(Duration::from_secs(10)).await;
    for name in ACCOUNT_NAMES {
        let (balance, jobs) = sim
            .eventually(|| accounts.get_by_name(name).ledger())
            .await?;
        for (id, amount) in &jobs {
            if total.attempted.get(id) != Some(&(name.to_string(), *amount)) {
                dosim::bail!("{name} applied job {id} ({amount}), which no client requested");
            }
        }
        let sum: u64 = jobs.values().sum();
        if balance != sum {
            dosim::bail!(
                "{name}'s balance is {balance}, but the {} jobs it applied add up to {sum}: a job was applied twice",
                jobs.len()
            );
        }
    }
    Ok(())
}
