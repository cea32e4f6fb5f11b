//! `js_counter_requests_per_s`: the long counter scenario again, on the
//! TypeScript counter (`examples/js/counter.ts`) run by the JavaScript host:
//! the same clients, the same sequential `increment(1)` RPCs through one
//! stub each, the same audit. `js_counter_cost_ratio` is the Rust counter's
//! figure divided by this one (what running the object as JavaScript
//! costs). `js_seeds_per_s_100req` sweeps whole seeds of the 100-request
//! scenario on the TypeScript counter, where building the object's
//! isolate is paid once per seed; `js_seed_cost_ratio` is the Rust
//! counter's `seeds_per_s_100req` over it, on the same seeds. Built only
//! with `--features js`.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dosim::js::{JsModule, JsObject};
use dosim::{Seed, Sim};
use dosim_workloads::counter::CounterRpc;
use dosim_workloads::js_counter::COUNTER_TS;

/// The body: every client makes `per_client` sequential increments of the
/// TypeScript counter; the count must then match.
async fn body(sim: Sim, per_client: u64, acked: Arc<AtomicU64>) -> dosim::Result<()> {
    let module = JsModule::typescript("counter.ts", COUNTER_TS)?;
    let counters = sim.register_js("COUNTER", &module, "Counter")?;
    let mut handles = Vec::new();
    for client in sim.clients() {
        let ns = client.namespace::<JsObject>("COUNTER")?;
        handles.push(client.spawn(async move {
            let stub = ns.get_by_name("room-7");
            for _ in 0..per_client {
                let _count: u64 = stub.increment(1).await?;
            }
            Ok::<u64, dosim::Error>(per_client)
        }));
    }
    super::audit(&counters, handles, &acked).await
}

/// One repetition on `seed`: (acknowledged requests, wall time).
pub fn sweep(clients: u64, per_client: u64, seed: Seed) -> (u64, Duration) {
    super::sweep_one(
        "bench_js",
        "the TypeScript counter",
        clients,
        per_client,
        seed,
        body,
    )
}

/// Sweeps `seeds` of the TypeScript counter, `clients × per_client`
/// increments each: (seeds, wall time).
pub fn sweep_seeds(clients: u64, per_client: u64, seeds: &[Seed]) -> (u64, Duration) {
    let acked = Arc::new(AtomicU64::new(0));
    let body_acked = acked.clone();
    let started = Instant::now();
    let report = super::runner("bench_js_100req", clients, true)
        .run_seeds(seeds, move |sim| body(sim, per_client, body_acked.clone()));
    let wall = started.elapsed();
    report.assert_passed();
    let expected = seeds.len() as u64 * clients * per_client;
    assert_eq!(
        acked.load(std::sync::atomic::Ordering::Relaxed),
        expected,
        "the TypeScript counter acknowledged every increment"
    );
    (seeds.len() as u64, wall)
}

/// Seeds per repetition of the TypeScript seed sweep (and of the Rust one
/// beside it): a fixed count, as the JavaScript side is the slow one.
const SEEDS_PER_REPETITION: u64 = 200;

/// `js_seeds_per_s_100req` and `js_seed_cost_ratio`: the 100-request
/// scenario swept over the same seeds in Rust and in TypeScript, back to
/// back in each repetition.
pub fn seed_figures() -> Vec<(&'static str, f64)> {
    let (clients, per_client) = (super::SHORT_CLIENTS, super::SHORT_PER_CLIENT);
    let seeds_of =
        |rep: usize| super::seeds(rep as u64 * SEEDS_PER_REPETITION, SEEDS_PER_REPETITION);
    rust_beside_js(
        ("js_seeds_per_s_100req", "js_seed_cost_ratio"),
        |rep| {
            let (_, wall) = super::dosim_sweep("bench_100req", clients, per_client, &seeds_of(rep));
            (SEEDS_PER_REPETITION, wall)
        },
        |rep| sweep_seeds(clients, per_client, &seeds_of(rep)),
    )
}

/// `js_counter_requests_per_s`, and `js_counter_cost_ratio`: the Rust
/// counter's rate over the TypeScript one's, both on the long scenario's
/// seed, back to back in each repetition.
pub fn figures() -> Vec<(&'static str, f64)> {
    let seed = Seed::nth(super::LONG_SEED_INDEX);
    let (clients, per_client) = (super::LONG_CLIENTS, super::LONG_PER_CLIENT);
    rust_beside_js(
        ("js_counter_requests_per_s", "js_counter_cost_ratio"),
        |_| super::dosim_sweep("bench_long", clients, per_client, &[seed]),
        |_| sweep(clients, per_client, seed),
    )
}

/// Runs `rust(rep)` and `js(rep)` back to back in each repetition, each
/// giving (units done, wall time); the JavaScript side's rate is figure
/// `names.0`, and the Rust rate over it is `names.1`.
fn rust_beside_js(
    names: (&'static str, &'static str),
    rust: impl Fn(usize) -> (u64, Duration),
    js: impl Fn(usize) -> (u64, Duration),
) -> Vec<(&'static str, f64)> {
    use super::figures::{back_to_back, figure, per_s, ratios, REPEATS};
    let (mut rust_rates, mut js_rates) = (Vec::new(), Vec::new());
    for rep in 0..REPEATS {
        let ((n, rust_wall), (j, js_wall)) = back_to_back(rep, || rust(rep), || js(rep));
        rust_rates.push(per_s(n, rust_wall));
        js_rates.push(per_s(j, js_wall));
    }
    vec![
        (names.0, figure(names.0, &js_rates)),
        (names.1, figure(names.1, &ratios(&rust_rates, &js_rates))),
    ]
}
