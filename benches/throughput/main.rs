//! Throughput of dosim on the counter workload, against the same workload
//! hand-written on bare madsim + rusqlite.
//!
//! Figures (one `name: value` line each on stdout; progress goes to stderr):
//!
//! - `counter_requests_per_s`: acknowledged counter increments (RPCs through
//!   a stub to the `Counter` of `workloads/src/counter.rs`) per wall second, one
//!   core, no faults. One long seed: 3 clients, each making
//!   [`LONG_PER_CLIENT`] sequential `increment(1)` calls, then an audit of
//!   the final count. The whole `Runner::run_seeds` call is timed (world
//!   set-up, the run, the trace monitors). Target: ≥ 100 000 requests/s.
//! - `counter_baseline_requests_per_s`: the same workload written directly
//!   on madsim + rusqlite, with no dosim layer: one madsim runtime on a fresh
//!   thread, one in-memory SQLite connection with a
//!   `kv(key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID` table standing for
//!   the object, inside one transaction for the run (as dosim keeps one
//!   open while batches are in flight), 3 client tasks. One increment =
//!   sleep client→host latency, SELECT the count, UPSERT count+1 and the op record (statements each
//!   client prepares once, as dosim prepares its KV statements; what
//!   `Counter::increment` writes), values JSON-encoded as dosim does, sleep a
//!   commit round trip (host→storage→host) standing for write confirmation,
//!   sleep host→client latency. Latencies are uniform 1–10 ms, as in dosim's
//!   default world. The final audit reads and decodes every op record, as
//!   the object's `list` does. It is what dosim does per request minus its
//!   gates, trace, stubs and per-event tasks (`throughput/baseline.rs`).
//! - `worker_requests_per_s`: the same long scenario, each increment an
//!   HTTP request to a Worker that forwards it to the counter
//!   (`throughput/worker.rs`). No target.
//! - `worker_cost_ratio`: `counter_requests_per_s` divided by
//!   `worker_requests_per_s` (what the Worker hop costs).
//! - `counter_overhead_ratio`: baseline requests/s divided by dosim
//!   requests/s (1.0 = dosim costs nothing). Target: ≤ 1.5.
//! - `counter_requests_per_s_no_monitors`: `counter_requests_per_s` with the
//!   invariant monitors switched off (the trace is still recorded).
//! - `monitor_cost_ratio`: no monitors divided by monitors on. Target:
//!   ≤ 1.25.
//! - `seeds_per_s_100req`: whole seeds per wall second, one core, for a
//!   100-request scenario (4 clients × 25 sequential increments + the audit),
//!   each seed a fresh world on a fresh thread, swept with `run_seeds` over
//!   `Seed::nth(i)`. Target: ≥ 1 000 seeds/s.
//! - `seeds_baseline_per_s_100req`: the same for the bare baseline (fresh
//!   thread, madsim runtime, SQLite connection, `CREATE TABLE` and
//!   transaction per seed).
//! - `alarm_sim_seconds_per_wall_s`: simulated seconds per wall second of
//!   1 000 subscriptions (`workloads/src/subscription.rs`) billed monthly by
//!   their alarms through the payment processor over one simulated year,
//!   no faults; the whole `run_seeds` call is timed
//!   (`throughput/objects.rs`). Target: ≥ 10 000 000.
//! - `chat_messages_per_s`: messages posted per wall second in the chat room
//!   (`workloads/src/chat.rs`): 8 members on hibernatable sockets, 10 bursts of
//!   25 messages each, every message stored and broadcast to all 8, the
//!   room hibernating in the quiet spell after each burst. No target.
//! - `agent_schedules_sim_seconds_per_wall_s`: simulated seconds per wall
//!   second of 1 000 reminders agents, three schedules each (a day, 15
//!   days, a weekly cron), over a simulated month on the agents layer, no
//!   faults (`throughput/agents.rs`). Target: ≥ 10 000 000.
//! - `agent_schedules_baseline_sim_seconds_per_wall_s`: the same schedule
//!   arithmetic in a plain loop over a binary heap.
//! - `js_counter_requests_per_s` and `js_counter_cost_ratio` (only with
//!   `cargo bench --bench throughput --features js`): the long scenario on
//!   the TypeScript counter, and the Rust figure divided by it, each
//!   repetition run back to back (`throughput/js.rs`). No target.
//! - `js_seeds_per_s_100req` and `js_seed_cost_ratio` (also only with
//!   `--features js`): whole seeds of the 100-request scenario on the
//!   TypeScript counter, each building the object's isolate once, and the
//!   Rust `seeds_per_s_100req` on the same seeds divided by it. No target.
//! - `linearizability_ops_per_s_1k`: operations checked per wall second by
//!   `monitors::linearizability::check` on a 1 000-operation key-value
//!   history (8 clients, 50 keys, puts and gets with overlapping intervals,
//!   linearizable by construction; see `throughput/linearizability.rs`),
//!   median of its repetitions. Target: ≥ 10 000 operations/s.
//! - `linearizability_ops_per_s_10k`: the same on a 10 000-operation
//!   history. Target: ≥ 10 000 operations/s.
//! - `linearizability_hard_key_ms`: wall milliseconds to find that a
//!   history with one hard key (24 concurrent operations) and one key that
//!   lost a put is not linearizable, naming the failing key (median).
//!   No target; the reference Go checker answers such a history in about
//!   200 ms.
//! - `kv_ops_per_s`: storage operations per wall second through dosim's KV
//!   API (`throughput/storage.rs`): one RPC whose handler makes 200 000
//!   awaited `storage.put` / `storage.get` calls, alternating, on seeded
//!   random keys among 256, values a small struct JSON-encoded. The handler
//!   awaits nothing outside the object, so every put joins one write batch;
//!   20% of the gets take the default world's simulated cache miss. The
//!   whole `run_seeds` call is timed. Target: see `kv_overhead_ratio`.
//! - `kv_baseline_ops_per_s`: the same puts and gets, their two statements
//!   prepared once (as dosim prepares its KV statements), on a bare in-memory `kv(key TEXT PRIMARY KEY, value BLOB) WITHOUT
//!   ROWID` table, inside one transaction (as dosim's one batch), values
//!   encoded with serde_json.
//! - `kv_overhead_ratio`: baseline divided by dosim. Target: ≤ 2.
//! - `sql_insert_per_s`: rows per wall second of one handler making 200 000
//!   `sql().exec("INSERT INTO t (id, name, n) VALUES (?, ?, ?)", …)` calls
//!   (`t` has an index on `name`; one batch). Target: see the ratio.
//! - `sql_insert_baseline_per_s`: the same INSERTs with `prepare_cached` +
//!   `execute` on a bare connection, inside one transaction.
//! - `sql_insert_overhead_ratio`: baseline divided by dosim. Target: ≤ 2.
//! - `sql_select_per_s`: point selects per wall second of one handler that
//!   fills `t` with 10 000 rows (one INSERT … SELECT) and makes 200 000
//!   `sql().exec("SELECT id, name, n FROM t WHERE id = ?", (id,))?.one()`
//!   calls on seeded random ids, each decoded into a struct (the usual
//!   typed read). Target: see the ratio.
//! - `sql_select_baseline_per_s`: the same fill and SELECTs with
//!   `prepare_cached` + `query_row` into the same struct, bare connection.
//! - `sql_select_overhead_ratio`: baseline divided by dosim. Target: ≤ 2.
//!
//! - `queue_messages_per_s`, `queue_direct_calls_per_s`,
//!   `queue_cost_ratio`: messages through a queue to a consumer Worker
//!   per wall second, against the same number of direct object calls
//!   (`throughput/queues.rs`). No target.
//!
//! - `seeds_overhead_ratio_100req`: baseline seeds/s divided by dosim's.
//!   Target: ≤ 1.5.
//! - `sweep_jobs2_speedup`: wall time of the counter example's sweep on one
//!   thread over its wall time on two, measured in a child process of its
//!   own (`throughput/jobs.rs`). Target: ≥ 1.9.
//! - `sweep_jobs2_speedup_100req`, `sweep_jobs2_baseline_speedup`: the
//!   same for dosim's 100-request scenario and for the bare baseline's, on
//!   the same seeds, each on a fresh thread: the runtime against the
//!   baseline on equal work, and how far a thread-per-seed sweep scales on
//!   this machine at all.
//! - `counter_allocations_per_request`,
//!   `counter_baseline_allocations_per_request`: heap allocations per
//!   request of the long scenario, marginal between two sizes
//!   (`throughput/memory.rs`).
//! - `trace_bytes_per_event`: bytes a recorded trace holds per entry (its
//!   vector and everything its entries own).
//! - `peak_rss_mb_1000_subscriptions`: peak resident memory of the alarm
//!   workload run alone in a child process (Linux only).
//!
//! Every wall-clock measurement is repeated [`REPEATS`] times in the
//! process and the MEDIAN is printed; each figure's spread (min–max of its
//! repetitions) goes to stderr as a `spread <name>:` line. The two sides
//! of a ratio run back to back, in alternating order from one repetition to
//! the next, and the ratio printed is the median of the per-repetition
//! ratios, so both sides share the same stretch of machine noise. The long
//! scenario and each storage workload get one unmeasured warm-up round.
//! Every dosim run must pass and every baseline run must end with the
//! right count, or the bench panics.
//!
//! Wall time on a busy machine moves by several times between runs of the
//! same tree; `scripts/instructions.sh` counts instructions instead
//! (callgrind), which does not, and `scripts/bench-compare.sh` puts two
//! commits side by side.
//!
//! The seed sweeps are sized by a short calibration so that one repetition
//! takes about [`SWEEP_TARGET`] of wall time (at most [`SWEEP_SEEDS_MAX`]
//! seeds, at least [`SWEEP_SEEDS_MIN`]).
//!
//! ```text
//! cargo bench --bench throughput
//! ```
//!
//! For a profiler, `THROUGHPUT_PROFILE=<long|long-baseline|long-no-monitors|seeds|seeds-baseline|alarms|chat|queue|worker|linearizability|agents|js|js-seeds|kv|sql-insert|sql-select>`
//! (the storage workloads `kv`, `sql-insert` and `sql-select` also with
//! `-baseline`) runs just that one workload once (`THROUGHPUT_PROFILE_N`
//! sets the increments per client of `long*` and `js` (which needs
//! `--features js`), the seeds of `seeds*` and `js-seeds`, or the operations of a storage
//! workload) and prints
//! its rate to stderr and nothing to stdout. `THROUGHPUT_PROFILE_REPEAT=r`
//! runs it `r` times in the one process, a line each: the later runs show
//! the steady state of a sweep, memory the earlier ones freed reused.
//!
//! ```text
//! THROUGHPUT_PROFILE=long THROUGHPUT_PROFILE_N=500 valgrind --tool=callgrind \
//!     target/release/deps/throughput-<hash>
//! ```

mod agents;
mod baseline;
mod counter;
mod figures;
mod jobs;
#[cfg(feature = "js")]
mod js;
mod linearizability;
mod memory;
mod objects;
mod queues;
mod storage;
mod worker;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dosim::{Runner, Seed, Sim, WorldConfig};
use dosim_workloads::counter::{Counter, CounterRpc};

use figures::per_s;

/// Clients of the long scenario (dosim's default world has three).
const LONG_CLIENTS: u64 = 3;
/// Sequential increments per client in the long scenario (~20 000 in all).
const LONG_PER_CLIENT: u64 = 6_667;

/// Clients of the 100-request scenario.
const SHORT_CLIENTS: u64 = 4;
/// Sequential increments per client in the 100-request scenario.
const SHORT_PER_CLIENT: u64 = 25;

/// Wall time one repetition of a seed sweep aims for.
const SWEEP_TARGET: Duration = Duration::from_millis(1_500);
/// Most seeds one repetition of a sweep runs.
const SWEEP_SEEDS_MAX: u64 = 2_000;
/// Fewest seeds one repetition of a sweep runs.
const SWEEP_SEEDS_MIN: u64 = 100;
/// Seeds of the calibration sweep.
const CALIBRATION_SEEDS: u64 = 50;

/// The seed of the long scenario.
const LONG_SEED_INDEX: u64 = 7;

// ---------------------------------------------------------------- dosim --

/// The dosim body: `clients` clients (the world's, all of them) each make
/// `per_client` sequential increments; the count and op records must then
/// match. Adds the acknowledged increments to `acked`.
async fn dosim_body(sim: Sim, per_client: u64, acked: Arc<AtomicU64>) -> dosim::Result<()> {
    let counters = sim.register::<Counter>("COUNTER")?;
    let mut handles = Vec::new();
    for client in sim.clients() {
        let ns = client.namespace::<Counter>("COUNTER")?;
        handles.push(client.spawn(async move {
            let stub = ns.get_by_name("room-7");
            let mut ok = 0u64;
            for _ in 0..per_client {
                let _count: u64 = stub.increment(1).await?;
                ok += 1;
            }
            Ok::<u64, dosim::Error>(ok)
        }));
    }
    audit(&counters, handles, &acked).await
}

/// Joins the clients, checks that the counter holds exactly the
/// increments they had acknowledged, and adds those to `acked`.
async fn audit<O>(
    counters: &dosim::ObjectNamespace<O>,
    clients: Vec<dosim::JoinHandle<dosim::Result<u64>>>,
    acked: &AtomicU64,
) -> dosim::Result<()>
where
    dosim::Stub<O>: CounterRpc,
{
    let mut total = 0u64;
    for acknowledged in dosim::join_all(clients).await? {
        total += acknowledged?;
    }
    let (count, ops) = counters.get_by_name("room-7").audit().await?;
    if count != total || ops != total {
        dosim::bail!("{total} increments acknowledged, but count {count} and {ops} op records");
    }
    acked.fetch_add(total, Ordering::Relaxed);
    Ok(())
}

/// Runs `body(sim, per_client, acked)` on `seed` alone with the runner
/// `name`; checks that all `clients × per_client` increments of `what`
/// were acknowledged. Returns (acknowledged requests, wall time).
fn sweep_one<F, Fut>(
    name: &str,
    what: &str,
    clients: u64,
    per_client: u64,
    seed: Seed,
    body: F,
) -> (u64, Duration)
where
    F: Fn(Sim, u64, Arc<AtomicU64>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = dosim::Result<()>> + 'static,
{
    let acked = Arc::new(AtomicU64::new(0));
    let body_acked = acked.clone();
    let started = Instant::now();
    let report = runner(name, clients, true).run_seeds(&[seed], move |sim| {
        body(sim, per_client, body_acked.clone())
    });
    let wall = started.elapsed();
    report.assert_passed();
    let acked = acked.load(Ordering::Relaxed);
    assert_eq!(
        acked,
        clients * per_client,
        "{what} acknowledged every increment"
    );
    (acked, wall)
}

/// A runner for `clients` clients with no limit the workload could hit.
fn runner(name: &str, clients: u64, monitors: bool) -> Runner {
    Runner::new(name)
        .monitors(monitors)
        .world(WorldConfig::new(clients as usize, 2))
        .quiet()
        .determinism_sample(0)
        .deadline(Duration::from_secs(24 * 3600))
        .steps_max(u64::MAX)
}

/// Runs `seeds` through dosim; returns (acknowledged requests, wall time).
fn dosim_sweep(name: &str, clients: u64, per_client: u64, seeds: &[Seed]) -> (u64, Duration) {
    dosim_sweep_with(name, clients, per_client, seeds, true)
}

/// [`dosim_sweep`] with the invariant monitors switched on or off.
fn dosim_sweep_with(
    name: &str,
    clients: u64,
    per_client: u64,
    seeds: &[Seed],
    monitors: bool,
) -> (u64, Duration) {
    dosim_sweep_on(runner(name, clients, monitors), clients, per_client, seeds)
}

/// [`dosim_sweep`] on a runner the caller set up (built by [`runner`]
/// with `clients`).
fn dosim_sweep_on(
    runner: Runner,
    clients: u64,
    per_client: u64,
    seeds: &[Seed],
) -> (u64, Duration) {
    let acked = Arc::new(AtomicU64::new(0));
    let body_acked = acked.clone();
    let started = Instant::now();
    let report = runner.run_seeds(seeds, move |sim| {
        dosim_body(sim, per_client, body_acked.clone())
    });
    let wall = started.elapsed();
    report.assert_passed();
    assert_eq!(report.runs, seeds.len() as u64, "dosim ran every seed");
    let acked = acked.load(Ordering::Relaxed);
    let expected = seeds.len() as u64 * clients * per_client;
    assert_eq!(acked, expected, "dosim acknowledged every increment");
    (acked, wall)
}

// ---------------------------------------------------------------- main --

/// Seeds for one sweep repetition, given a calibration rate.
fn sweep_size(seeds_per_s: f64) -> u64 {
    ((seeds_per_s * SWEEP_TARGET.as_secs_f64()) as u64).clamp(SWEEP_SEEDS_MIN, SWEEP_SEEDS_MAX)
}

fn seeds(first: u64, n: u64) -> Vec<Seed> {
    (first..first + n).map(Seed::nth).collect()
}

/// Runs one workload once, for a profiler (see the module documentation).
fn profile(which: &str) {
    let n = std::env::var("THROUGHPUT_PROFILE_N")
        .ok()
        .map(|n| n.parse::<u64>().expect("THROUGHPUT_PROFILE_N is a number"));
    let long_seed = [Seed::nth(LONG_SEED_INDEX)];
    let (what, count, wall) = match which {
        "long" | "long-baseline" | "long-no-monitors" => {
            let per_client = n.unwrap_or(LONG_PER_CLIENT);
            let (acked, wall) = match which {
                "long" => dosim_sweep("bench_long", LONG_CLIENTS, per_client, &long_seed),
                "long-no-monitors" => dosim_sweep_with(
                    "bench_long_bare",
                    LONG_CLIENTS,
                    per_client,
                    &long_seed,
                    false,
                ),
                _ => baseline::sweep(LONG_CLIENTS, per_client, &long_seed),
            };
            ("requests", acked, wall)
        }
        "seeds" | "seeds-baseline" => {
            let sweep = seeds(0, n.unwrap_or(SWEEP_SEEDS_MAX));
            let (_, wall) = if which == "seeds" {
                dosim_sweep("bench_100req", SHORT_CLIENTS, SHORT_PER_CLIENT, &sweep)
            } else {
                baseline::sweep(SHORT_CLIENTS, SHORT_PER_CLIENT, &sweep)
            };
            ("seeds", sweep.len() as u64, wall)
        }
        #[cfg(feature = "js")]
        "js" => {
            let per_client = n.unwrap_or(LONG_PER_CLIENT);
            let (acked, wall) = js::sweep(LONG_CLIENTS, per_client, long_seed[0]);
            ("requests", acked, wall)
        }
        #[cfg(feature = "js")]
        "js-seeds" => {
            let sweep = seeds(0, n.unwrap_or(200));
            let (n, wall) = js::sweep_seeds(SHORT_CLIENTS, SHORT_PER_CLIENT, &sweep);
            ("seeds", n, wall)
        }
        "alarms" => {
            let rate = objects::alarms();
            eprintln!("alarms: {rate:.0} simulated s per wall s");
            if let Some(mb) = memory::peak_rss_mb() {
                eprintln!("{} {mb:.1}", memory::PEAK_RSS_LINE);
            }
            return;
        }
        "worker" => {
            let per_client = n.unwrap_or(LONG_PER_CLIENT);
            let (acked, wall) = worker::sweep(LONG_CLIENTS, per_client, long_seed[0]);
            ("requests", acked, wall)
        }
        "chat" => {
            let rate = objects::chat();
            eprintln!("chat: {rate:.0} messages per wall s");
            return;
        }
        "queue" => {
            let (queue, direct) = (queues::queue(), queues::direct());
            eprintln!(
                "queue: {queue:.0} messages per wall s; direct: {direct:.0} calls per wall s"
            );
            return;
        }
        "linearizability" => {
            for (name, value) in linearizability::figures() {
                eprintln!("{name}: {value:.3}");
            }
            return;
        }
        "agents" => {
            for (name, value) in agents::figures() {
                eprintln!("{name}: {value:.0}");
            }
            return;
        }
        "jobs" => {
            for (name, value) in jobs::measure() {
                eprintln!("{name}: {value:.3}");
            }
            return;
        }
        other => match storage::profile(other, n) {
            Some((ops, wall)) => ("operations", ops, wall),
            None => panic!(
                "THROUGHPUT_PROFILE=`{other}`: expected long, long-baseline, long-no-monitors, seeds, \
                 seeds-baseline, worker, alarms, chat, queue, linearizability, agents, jobs, kv, \
                 sql-insert or sql-select (the last three also with -baseline)"
            ),
        },
    };
    eprintln!(
        "{which}: {count} {what} in {:.3} s ({:.0}/s)",
        wall.as_secs_f64(),
        per_s(count, wall)
    );
}

/// A group of figures, measured together: `(name, value)` in print order.
type Group = fn() -> Vec<(&'static str, f64)>;

/// Prints one figure: ratios and milliseconds with three decimals, seeds
/// per second with one, other rates and counts as whole numbers.
fn print_figure(name: &str, value: f64) {
    let digits = if name.contains("_ratio") || name.ends_with("_ms") || name.contains("_speedup") {
        3
    } else if name.starts_with("seeds_") || name.ends_with("_per_request") {
        1
    } else {
        0
    };
    println!("{name}: {value:.digits$}");
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    baseline::configure_sqlite();
    if let Ok(which) = std::env::var("THROUGHPUT_PROFILE") {
        let repeat = std::env::var("THROUGHPUT_PROFILE_REPEAT").map_or(1, |r| {
            r.parse::<u32>()
                .expect("THROUGHPUT_PROFILE_REPEAT is a number")
        });
        for _ in 0..repeat {
            profile(&which);
        }
        return;
    }
    let bench_started = Instant::now();
    let groups: [Group; 9] = [
        counter::long_figures,
        counter::seed_figures,
        storage::figures,
        objects::figures,
        linearizability::figures,
        queues::figures,
        jobs::figures,
        memory::figures,
        agents::figures,
    ];
    for group in groups {
        for (name, value) in group() {
            print_figure(name, value);
        }
    }
    #[cfg(feature = "js")]
    for (name, value) in js::figures().into_iter().chain(js::seed_figures()) {
        print_figure(name, value);
    }
    eprintln!("bench took {:.1} s", bench_started.elapsed().as_secs_f64());
}
