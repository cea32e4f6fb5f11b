//! `counter`: the simplest Durable Object, under concurrent clients.
//!
//! Every client increments one shared counter, some one call at a time and
//! some with several calls in flight through one stub. The property: the
//! final count equals the number of increments that were acknowledged.
//! The counter reads and writes with only storage awaits in between, so the
//! input gate keeps each increment atomic, and it passes on every seed.
//!
//! ```text
//! cargo run --release --example counter -- --seeds 1000
//! cargo run --release --example counter -- --seed 0x5eed1234
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
            let n: u64 = self.state.storage().get("count").await?.unwrap_or(0);
            self.state.storage().put("count", &(n + by)).await?;
            Ok(n + by)
        }

        /// The current count.
        pub async fn value(&self) -> Result<u64> {
            Ok(self.state.storage().get("count").await?.unwrap_or(0))
        }
    }
}

/// Increments each client makes.
pub const INCREMENTS_PER_CLIENT: u64 = 5;

/// The workload and its property, for any class that counts like
/// [`Counter`] (its buggy twin included).
pub async fn workload<O>(sim: Sim) -> Result<()>
where
    O: DurableObject + RpcTarget,
    Stub<O>: CounterRpc,
{
    let counters = sim.register::<O>("COUNTER")?;
    let mut clients = Vec::new();
    for (i, client) in sim.clients().into_iter().enumerate() {
        let stub = client.namespace::<O>("COUNTER")?.get_by_name("room-7");
        let think = Duration::from_micros(sim.random_below(3_000));
        let pipelined = i % 2 == 1;
        clients.push(client.spawn(async move {
            if pipelined {
                // Several calls in flight through one stub: E-order keeps
                // them in the order they were made.
                let calls: Vec<_> = (0..INCREMENTS_PER_CLIENT)
                    .map(|_| stub.increment(1))
                    .collect();
                for result in futures::future::join_all(calls).await {
                    result?;
                }
            } else {
                for _ in 0..INCREMENTS_PER_CLIENT {
                    stub.increment(1).await?;
                    dosim::sleep(think).await;
                }
            }
            Ok::<u64, dosim::Error>(INCREMENTS_PER_CLIENT)
        }));
    }
    let mut acknowledged = 0;
    for handle in clients {
        acknowledged += handle.await.expect("client task finished")?;
    }
    let count = counters.get_by_name("room-7").value().await?;
    if count != acknowledged {
        dosim::bail!("{acknowledged} increments were acknowledged, but the counter reads {count}");
    }
    Ok(())
}

#[allow(dead_code)]
fn main() -> ExitCode {
    dosim::cli_main(Runner::new("counter").seeds(1000), workload::<Counter>)
}
