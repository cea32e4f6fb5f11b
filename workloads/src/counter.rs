//! The `counter` example: a counter object, and the workload whose
//! properties every counting object (its racy twin included) must keep.

use std::time::Duration;

use dosim::{DurableObject, Env, Request, Response, Result, RpcTarget, Sim, State, Stub};

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

/// Calls to a counter through its stub: the client trait `CounterRpc`.
#[dosim::rpc_methods(pub CounterRpc)]
impl Counter {
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
    for tally in dosim::join_all(clients).await? {
        total.acknowledged += tally.acknowledged;
        total.attempted += tally.attempted;
    }
    // Through a new stub each try: faults may still break a few.
    let (count, ops) = sim
        .eventually(|| counters.get_by_name("room-7").audit())
        .await?;
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
