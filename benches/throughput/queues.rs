//! Queues at scale: messages sent by clients and handed in batches to a
//! consumer Worker, against the same number of direct calls to an object.
//!
//! - `queue_messages_per_s`: messages acknowledged by the consumer per
//!   wall second. One seed, no faults: 3 clients each send
//!   [`SENDS_PER_CLIENT`] messages one by one to a queue with batches of
//!   100; the consumer decodes each body and acks the batch. The whole
//!   `run_seeds` call is timed, so the figure includes the run's liveness
//!   phase, which waits for the queue to drain. No target.
//! - `queue_direct_calls_per_s`: the baseline: the same clients make the
//!   same number of `increment(1)` calls to one counter object instead.
//! - `queue_cost_ratio`: direct calls per second divided by queue messages
//!   per second.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use dosim::platform::queue::{MessageBatch, QueueConfig};
use dosim::platform::worker::{Context, Worker};
use dosim::{Client, Env, Faults, Runner, Seed, Sim};
use dosim_workloads::counter::{Counter, CounterRpc};

use super::figures::{medians, per_s, ratios, REPEATS};

const SENDS_PER_CLIENT: u64 = 2_000;

/// Messages the consumer acknowledged, across the bench.
static ACKED: AtomicU64 = AtomicU64::new(0);

#[derive(Default)]
struct Sink;

impl Worker for Sink {
    async fn queue(&self, batch: MessageBatch, _env: Env, _ctx: Context) -> dosim::Result<()> {
        for message in batch.messages() {
            let _: u64 = message.body()?;
        }
        ACKED.fetch_add(batch.messages().len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// `(name, value)` of each figure.
pub fn figures() -> Vec<(&'static str, f64)> {
    let mut queue_rates = Vec::new();
    let mut direct_rates = Vec::new();
    for _ in 0..REPEATS {
        queue_rates.push(queue());
        direct_rates.push(direct());
    }
    let cost = ratios(&direct_rates, &queue_rates);
    medians(vec![
        ("queue_messages_per_s", queue_rates),
        ("queue_direct_calls_per_s", direct_rates),
        ("queue_cost_ratio", cost),
    ])
}

fn runner(name: &str) -> Runner {
    Runner::new(name)
        .determinism_sample(0)
        .faults(Faults::None)
        .deadline(Duration::from_secs(24 * 3600))
        .steps_max(u64::MAX)
        .quiet()
}

/// Queue messages per wall second.
pub fn queue() -> f64 {
    ACKED.store(0, Ordering::Relaxed);
    let started = Instant::now();
    let report = runner("bench_queue").run_seeds(&[Seed::nth(5)], |sim| async move {
        let config = QueueConfig::default()
            .max_batch_size(100)
            .max_batch_timeout(Duration::from_secs(1));
        sim.queue("JOBS", config)?;
        sim.consumer::<Sink>("JOBS")?;
        on_every_client(&sim, |client| {
            let jobs = client.queue("JOBS")?;
            Ok(async move {
                for i in 0..SENDS_PER_CLIENT {
                    jobs.send(&i).await?;
                }
                Ok(())
            })
        })
        .await
    });
    let wall = started.elapsed();
    report.assert_passed();
    let acked = ACKED.load(Ordering::Relaxed);
    assert_eq!(
        acked,
        3 * SENDS_PER_CLIENT,
        "every message was acknowledged"
    );
    per_s(acked, wall)
}

/// Direct calls per wall second, for the same number of messages.
pub fn direct() -> f64 {
    let started = Instant::now();
    let report = runner("bench_queue_direct").run_seeds(&[Seed::nth(5)], |sim| async move {
        sim.register::<Counter>("COUNTER")?;
        on_every_client(&sim, |client| {
            let stub = client.namespace::<Counter>("COUNTER")?.get_by_name("sink");
            Ok(async move {
                for _ in 0..SENDS_PER_CLIENT {
                    stub.increment(1).await?;
                }
                Ok(())
            })
        })
        .await
    });
    let wall = started.elapsed();
    report.assert_passed();
    per_s(3 * SENDS_PER_CLIENT, wall)
}

/// Runs the work `start` makes for each client, on every client at once;
/// fails if one fails.
async fn on_every_client<Fut>(
    sim: &Sim,
    start: impl Fn(&Client) -> dosim::Result<Fut>,
) -> dosim::Result<()>
where
    Fut: Future<Output = dosim::Result<()>> + 'static,
{
    let mut tasks = Vec::new();
    for client in sim.clients() {
        tasks.push(client.spawn(start(&client)?));
    }
    for done in dosim::join_all(tasks).await? {
        done?;
    }
    Ok(())
}
