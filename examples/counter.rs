//! `counter`: the simplest Durable Object, under concurrent clients and
//! faults.
//!
//! Every client increments one shared counter, some one call at a time and
//! some with several calls in flight through one stub; under `--faults
//! swarm` (the default) hosts crash, links drop, storage fails. Each
//! increment writes the count and an op record in one batch. The properties:
//! - every acknowledged increment survives: acknowledged <= count <=
//!   attempted (a call that failed may or may not have run);
//! - no batch is ever half-applied: there is exactly one op record per
//!   count.
//!
//! ```text
//! cargo run --release --example counter -- run --seeds 1000 --jobs 2
//! cargo run --release --example counter -- replay 0x5eed1234 --faults none
//! ```

use std::process::ExitCode;
use std::time::Duration;

use dosim::{DurableObject, Env, Request, Response, Result, RpcTarget, Runner, Sim, State, Stub};

/// A counter kept in storage.
pub struct Counter {
    state: State,
}

impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self {
        Counter { state }
    }

    /// `POST /increment` and `GET /value`, for HTTP clients.
    async fn fetch(&self, req: Request) -> Result<Response> {
        match (req.method(), req.path()) {
            ("POST", "/increment") => Ok(Response::ok(self.increment(1).await?.to_string())),
            ("GET", "/value") => Ok(Response::ok(self.value().await?.to_string())),
            _ => Ok(Response::error(404, "no such route")),
        }
    }
}

dosim::rpc! {
    /// Calls to a counter through its stub.
    pub trait CounterRpc for Counter {
        /// Adds `by`; returns the new count.
        pub async fn increment(&self, by: u64) -> Result<u64> {
            let storage = self.state.storage();
            let n: u64 = storage.get("count").await?.unwrap_or(0);
            storage.put("count", &(n + by)).await?;
            storage.put(&op_key(n + by), &by).await?;
            Ok(n + by)
        }

        /// The current count.
        pub async fn value(&self) -> Result<u64> {
            Ok(self.state.storage().get("count").await?.unwrap_or(0))
        }

        /// The count, and how many op records storage holds.
        pub async fn audit(&self) -> Result<(u64, u64)> {
            audit_storage(self.state.storage()).await
        }
    }
}

/// Reads the count and counts the op records.
pub async fn audit_storage(storage: &dosim::Storage) -> Result<(u64, u64)> {
    let count: u64 = storage.get("count").await?.unwrap_or(0);
    let prefix = dosim::ListOptions {
        prefix: Some("op:".into()),
        ..Default::default()
    };
    let ops = storage.list::<u64>(prefix).await?.len() as u64;
    Ok((count, ops))
}

/// The key of the op record written with count `n`.
pub fn op_key(n: u64) -> String {
    format!("op:{n:08}")
}

/// Increments each client makes.
pub const INCREMENTS_PER_CLIENT: u64 = 5;

/// What one client saw: increments acknowledged, and attempted.
#[derive(Default)]
struct Tally {
    acknowledged: u64,
    attempted: u64,
}

/// The workload and its properties, for any class that counts like
/// [`Counter`] (its buggy twin included).
pub async fn workload<O>(sim: Sim) -> Result<()>
where
    O: DurableObject + RpcTarget,
    Stub<O>: CounterRpc,
{
    let counters = sim.register::<O>("COUNTER")?;
    let mut clients = Vec::new();
    for (i, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<O>("COUNTER")?;
        let think = Duration::from_micros(sim.random_below(100_000));
        // Three client styles: a new stub per request (the usual Workers
        // pattern), several calls in flight through one stub, and one
        // long-lived stub used call after call.
        let style = i % 3;
        clients.push(client.spawn(async move {
            let mut tally = Tally::default();
            let mut stub = ns.get_by_name("room-7");
            if style == 1 {
                // E-order keeps pipelined calls in the order they were made.
                let calls: Vec<_> = (0..INCREMENTS_PER_CLIENT)
                    .map(|_| stub.increment(1))
                    .collect();
                tally.attempted += INCREMENTS_PER_CLIENT;
                for result in futures::future::join_all(calls).await {
                    tally.acknowledged += u64::from(result.is_ok());
                }
            } else {
                for _ in 0..INCREMENTS_PER_CLIENT {
                    if style == 0 {
                        stub = ns.get_by_name("room-7");
                    }
                    tally.attempted += 1;
                    match stub.increment(1).await {
                        Ok(_) => tally.acknowledged += 1,
                        // The stub is broken: a new one reaches the object.
                        Err(_) => stub = ns.get_by_name("room-7"),
                    }
                    dosim::sleep(think).await;
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for handle in clients {
        let tally = handle
            .await
            .map_err(|_| dosim::Error::new("a client task was cancelled"))?;
        total.acknowledged += tally.acknowledged;
        total.attempted += tally.attempted;
    }
    let (count, ops) = audit_when_healed(&counters).await?;
    if count < total.acknowledged || count > total.attempted {
        dosim::bail!(
            "{} increments were acknowledged and {} attempted, but the counter reads {count}",
            total.acknowledged,
            total.attempted
        );
    }
    if ops != count {
        dosim::bail!("the counter reads {count} but storage holds {ops} op records: a batch was half-applied");
    }
    Ok(())
}

/// Audits the counter once the world has healed, through a new stub each
/// try (faults may still break a few).
async fn audit_when_healed<O>(counters: &dosim::ObjectNamespace<O>) -> Result<(u64, u64)>
where
    Stub<O>: CounterRpc,
{
    let mut last = None;
    for _ in 0..40 {
        match counters.get_by_name("room-7").audit().await {
            Ok(audit) => return Ok(audit),
            Err(e) => last = Some(e),
        }
        dosim::sleep(Duration::from_millis(250)).await;
    }
    Err(last.unwrap_or_else(|| dosim::Error::new("audit never ran")))
}

#[allow(dead_code)]
fn main() -> ExitCode {
    dosim::cli_main(Runner::new("counter").seeds(1000), workload::<Counter>)
}
