//! `worker_requests_per_s`: the long counter scenario again, each
//! increment sent as an HTTP request to a Worker (`CounterFront` of
//! `workloads/src/counter_front.rs`) that forwards it to the counter
//! object found with `id_from_name`: a fresh Worker instance, a new stub
//! and a `fetch` per request, where the direct figure makes one RPC through
//! one long-lived stub. The ratio says what the Worker hop costs.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use dosim::{Seed, Sim};
use dosim_workloads::counter::Counter;
use dosim_workloads::counter_front::{increment_request, CounterFront, COUNTER_BINDING};

/// The body: every client sends `per_client` sequential increments
/// through the Worker; the count must then match.
async fn body(sim: Sim, per_client: u64, acked: Arc<AtomicU64>) -> dosim::Result<()> {
    let counters = sim.register::<Counter>(COUNTER_BINDING)?;
    sim.worker::<CounterFront>("app")?;
    let mut handles = Vec::new();
    for client in sim.clients() {
        let app = client.worker("app")?;
        handles.push(client.spawn(async move {
            for _ in 0..per_client {
                let resp = app.fetch(increment_request("room-7")).await?;
                if resp.status() != 200 {
                    dosim::bail!("an increment answered {}", resp.status());
                }
            }
            Ok::<u64, dosim::Error>(per_client)
        }));
    }
    super::audit(&counters, handles, &acked).await
}

/// One repetition on `seed`: (acknowledged requests, wall time).
pub fn sweep(clients: u64, per_client: u64, seed: Seed) -> (u64, Duration) {
    super::sweep_one(
        "bench_worker",
        "the Worker",
        clients,
        per_client,
        seed,
        body,
    )
}
