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
//!   the object, 3 client tasks. One increment = sleep client→host latency,
//!   SELECT the count, UPSERT count+1 and the op record (what
//!   `Counter::increment` writes), values JSON-encoded as dosim does, sleep a
//!   commit round trip (host→storage→host) standing for write confirmation,
//!   sleep host→client latency. Latencies are uniform 1–10 ms, as in dosim's
//!   default world. It is what dosim does per request minus its gates,
//!   trace, stubs and per-event tasks.
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
//!   thread, madsim runtime, SQLite connection and `CREATE TABLE` per seed).
//! - `alarm_sim_seconds_per_wall_s`: simulated seconds per wall second of
//!   1 000 subscriptions (`workloads/src/subscription.rs`) billed monthly by
//!   their alarms through the payment processor over one simulated year,
//!   no faults; the whole `run_seeds` call is timed
//!   (`throughput/objects.rs`). Target: ≥ 10 000 000.
//! - `chat_messages_per_s`: messages posted per wall second in the chat room
//!   (`workloads/src/chat.rs`): 8 members on hibernatable sockets, 10 bursts of
//!   25 messages each, every message stored and broadcast to all 8, the
//!   room hibernating in the quiet spell after each burst. No target.
//! - `js_counter_requests_per_s` and `js_counter_cost_ratio` (only with
//!   `cargo bench --bench throughput --features js`): the long scenario on
//!   the TypeScript counter, and the Rust figure divided by it
//!   (`throughput/js.rs`). No target.
//! - `linearizability_ops_per_s_1k`: operations checked per wall second by
//!   `monitors::linearizability::check` on a 1 000-operation key-value
//!   history (8 clients, 50 keys, puts and gets with overlapping intervals,
//!   linearizable by construction; see `throughput/linearizability.rs`),
//!   median of 3 repetitions. Target: ≥ 10 000 operations/s.
//! - `linearizability_ops_per_s_10k`: the same on a 10 000-operation
//!   history. Target: ≥ 10 000 operations/s.
//! - `linearizability_hard_key_ms`: wall milliseconds to find that a
//!   history with one hard key (24 concurrent operations) and one key that
//!   lost a put is not linearizable, naming the failing key (median of 3).
//!   No target; the reference Go checker answers such a history in about
//!   200 ms.
//! - `kv_ops_per_s`: storage operations per wall second through dosim's KV
//!   API (`throughput/storage.rs`): one RPC whose handler makes 200 000
//!   awaited `storage.put` / `storage.get` calls, alternating, on seeded
//!   random keys among 256, values a small struct JSON-encoded. The handler
//!   awaits nothing outside the object, so every put joins one write batch;
//!   20% of the gets take the default world's simulated cache miss. The
//!   whole `run_seeds` call is timed. Target: see `kv_overhead_ratio`.
//! - `kv_baseline_ops_per_s`: the same puts and gets with `prepare_cached`
//!   on a bare in-memory `kv(key TEXT PRIMARY KEY, value BLOB) WITHOUT
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
//! Every measurement is repeated [`REPEATS`] times in the process (dosim and
//! baseline interleaved, to share the machine's noise) and the MEDIAN is
//! printed; the ratio is the ratio of the two medians. Every dosim run must
//! pass and every baseline run must end with the right count, or the bench
//! panics.
//!
//! The seed sweeps are sized by a short calibration so that one repetition
//! takes about [`SWEEP_TARGET`] of wall time (at most [`SWEEP_SEEDS_MAX`]
//! seeds, at least [`SWEEP_SEEDS_MIN`]), which keeps the whole bench under a
//! minute in release mode.
//!
//! ```text
//! cargo bench --bench throughput
//! ```
//!
//! For a profiler, `THROUGHPUT_PROFILE=<long|long-baseline|seeds|seeds-baseline|alarms|chat|queue|worker|js>`
//! runs just that one workload once (`THROUGHPUT_PROFILE_N` sets the
//! increments per client of `long*` and `js` (which needs `--features js`), or the seeds of `seeds*`) and prints
//! its rate to stderr and nothing to stdout:
//!
//! ```text
//! THROUGHPUT_PROFILE=long THROUGHPUT_PROFILE_N=500 valgrind --tool=callgrind \
//!     target/release/deps/throughput-<hash>
//! ```

#[cfg(feature = "js")]
mod js;
mod linearizability;
mod objects;
mod queues;
mod storage;
mod worker;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dosim::{Runner, Seed, Sim, WorldConfig};
use dosim_workloads::counter::{self, Counter, CounterRpc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, OptionalExtension};

/// Repetitions of every measurement; the median is printed.
const REPEATS: usize = 3;

/// Clients of the long scenario (dosim's default world has three).
const LONG_CLIENTS: u64 = 3;
/// Sequential increments per client in the long scenario (~20 000 in all).
const LONG_PER_CLIENT: u64 = 6_667;

/// Clients of the 100-request scenario.
const SHORT_CLIENTS: u64 = 4;
/// Sequential increments per client in the 100-request scenario.
const SHORT_PER_CLIENT: u64 = 25;

/// Wall time one repetition of a seed sweep aims for.
const SWEEP_TARGET: Duration = Duration::from_millis(2_500);
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
    let acked = Arc::new(AtomicU64::new(0));
    let runner = runner(name, clients, monitors);
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

// ------------------------------------------------------------- baseline --

const CREATE_KV: &str = "CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID";
const GET: &str = "SELECT value FROM kv WHERE key = ?1";
const PUT: &str =
    "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = excluded.value";
const COUNT_OPS: &str = "SELECT count(*) FROM kv WHERE key >= 'op:' AND key < 'op;'";

/// One uniform 1–10 ms one-way latency.
fn latency(rng: &RefCell<ChaCha8Rng>) -> Duration {
    Duration::from_micros(rng.borrow_mut().gen_range(1_000..=10_000))
}

/// The object's increment, on the bare connection: read the count, write
/// count+1 and its op record. Returns the new count.
fn baseline_increment(conn: &Connection) -> u64 {
    let n: u64 = conn
        .prepare_cached(GET)
        .unwrap()
        .query_row(["count"], |row| row.get::<_, Vec<u8>>(0))
        .optional()
        .unwrap()
        .map(|bytes| serde_json::from_slice(&bytes).unwrap())
        .unwrap_or(0);
    let mut put = conn.prepare_cached(PUT).unwrap();
    put.execute(rusqlite::params![
        "count",
        serde_json::to_vec(&(n + 1)).unwrap()
    ])
    .unwrap();
    put.execute(rusqlite::params![
        counter::op_key(n + 1),
        serde_json::to_vec(&1u64).unwrap()
    ])
    .unwrap();
    n + 1
}

/// One seed of the bare workload on the current (fresh) thread: returns
/// the acknowledged increments after checking the final count.
fn baseline_run(seed: u64, clients: u64, per_client: u64) -> u64 {
    let rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
    rt.block_on(async move {
        let conn = Rc::new(Connection::open_in_memory().unwrap());
        conn.execute_batch(CREATE_KV).unwrap();
        let rng = Rc::new(RefCell::new(ChaCha8Rng::seed_from_u64(seed)));
        let mut handles = Vec::new();
        for _ in 0..clients {
            let (conn, rng) = (conn.clone(), rng.clone());
            handles.push(madsim::task::spawn_local(async move {
                let mut ok = 0u64;
                for _ in 0..per_client {
                    madsim::time::sleep(latency(&rng)).await; // client → host
                    baseline_increment(&conn);
                    // host → storage → host: the write is confirmed.
                    let commit = latency(&rng) + latency(&rng);
                    madsim::time::sleep(commit).await;
                    madsim::time::sleep(latency(&rng)).await; // host → client
                    ok += 1;
                }
                ok
            }));
        }
        let mut total = 0;
        for handle in handles {
            total += handle.await.expect("a baseline client was cancelled");
        }
        let count: u64 = conn
            .query_row(GET, ["count"], |row| row.get::<_, Vec<u8>>(0))
            .map(|bytes| serde_json::from_slice(&bytes).unwrap())
            .unwrap();
        let ops = conn
            .query_row(COUNT_OPS, [], |row| row.get::<_, i64>(0))
            .unwrap() as u64;
        assert_eq!(count, total, "baseline count matches acknowledgements");
        assert_eq!(ops, total, "baseline op records match the count");
        total
    })
}

/// Runs `seeds` through the baseline, each on a fresh thread; returns
/// (acknowledged requests, wall time).
fn baseline_sweep(clients: u64, per_client: u64, seeds: &[Seed]) -> (u64, Duration) {
    let started = Instant::now();
    let mut acked = 0;
    for seed in seeds {
        let seed = seed.0;
        acked += std::thread::spawn(move || baseline_run(seed, clients, per_client))
            .join()
            .expect("a baseline run panicked");
    }
    let wall = started.elapsed();
    let expected = seeds.len() as u64 * clients * per_client;
    assert_eq!(acked, expected, "baseline acknowledged every increment");
    (acked, wall)
}

// ---------------------------------------------------------------- main --

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).expect("no NaN rates"));
    values[values.len() / 2]
}

fn per_s(n: u64, wall: Duration) -> f64 {
    n as f64 / wall.as_secs_f64().max(1e-9)
}

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
        "long" | "long-baseline" => {
            let per_client = n.unwrap_or(LONG_PER_CLIENT);
            let (acked, wall) = if which == "long" {
                dosim_sweep("bench_long", LONG_CLIENTS, per_client, &long_seed)
            } else {
                baseline_sweep(LONG_CLIENTS, per_client, &long_seed)
            };
            ("requests", acked, wall)
        }
        "seeds" | "seeds-baseline" => {
            let sweep = seeds(0, n.unwrap_or(SWEEP_SEEDS_MAX));
            let (_, wall) = if which == "seeds" {
                dosim_sweep("bench_100req", SHORT_CLIENTS, SHORT_PER_CLIENT, &sweep)
            } else {
                baseline_sweep(SHORT_CLIENTS, SHORT_PER_CLIENT, &sweep)
            };
            ("seeds", sweep.len() as u64, wall)
        }
        #[cfg(feature = "js")]
        "js" => {
            let per_client = n.unwrap_or(LONG_PER_CLIENT);
            let (acked, wall) = js::sweep(LONG_CLIENTS, per_client, long_seed[0]);
            ("requests", acked, wall)
        }
        "alarms" => {
            let rate = objects::alarms();
            eprintln!("alarms: {rate:.0} simulated s per wall s");
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
        other => panic!(
            "THROUGHPUT_PROFILE=`{other}`: expected long, long-baseline, seeds, seeds-baseline, \
             worker, alarms, chat or queue"
        ),
    };
    eprintln!(
        "{which}: {count} {what} in {:.3} s ({:.0}/s)",
        wall.as_secs_f64(),
        per_s(count, wall)
    );
}

fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    if let Ok(which) = std::env::var("THROUGHPUT_PROFILE") {
        return profile(&which);
    }
    let bench_started = Instant::now();

    // Long single-seed scenario: requests per second.
    let long_seed = [Seed::nth(LONG_SEED_INDEX)];
    let long_total = LONG_CLIENTS * LONG_PER_CLIENT;
    let (mut dosim_rps, mut base_rps, mut bare_rps) = (Vec::new(), Vec::new(), Vec::new());
    let mut worker_rps = Vec::new();
    #[cfg(feature = "js")]
    let mut js_rps = Vec::new();
    for rep in 0..REPEATS {
        #[cfg(feature = "js")]
        {
            let (j, js_wall) = js::sweep(LONG_CLIENTS, LONG_PER_CLIENT, long_seed[0]);
            js_rps.push(per_s(j, js_wall));
        }
        let (n, wall) = dosim_sweep("bench_long", LONG_CLIENTS, LONG_PER_CLIENT, &long_seed);
        dosim_rps.push(per_s(n, wall));
        let (k, bare_wall) = dosim_sweep_with(
            "bench_long_bare",
            LONG_CLIENTS,
            LONG_PER_CLIENT,
            &long_seed,
            false,
        );
        bare_rps.push(per_s(k, bare_wall));
        let (w, worker_wall) = worker::sweep(LONG_CLIENTS, LONG_PER_CLIENT, long_seed[0]);
        worker_rps.push(per_s(w, worker_wall));
        let (m, base_wall) = baseline_sweep(LONG_CLIENTS, LONG_PER_CLIENT, &long_seed);
        base_rps.push(per_s(m, base_wall));
        eprintln!(
            "long #{rep}: {long_total} requests; dosim {:.3} s ({:.0}/s), baseline {:.3} s ({:.0}/s)",
            wall.as_secs_f64(),
            per_s(n, wall),
            base_wall.as_secs_f64(),
            per_s(m, base_wall)
        );
    }

    // 100-request seeds: seeds per second, sweeps sized by calibration.
    let calibration = seeds(1_000_000, CALIBRATION_SEEDS);
    let (_, wall) = dosim_sweep(
        "bench_calibrate",
        SHORT_CLIENTS,
        SHORT_PER_CLIENT,
        &calibration,
    );
    let dosim_n = sweep_size(per_s(CALIBRATION_SEEDS, wall));
    let (_, wall) = baseline_sweep(SHORT_CLIENTS, SHORT_PER_CLIENT, &calibration);
    let base_n = sweep_size(per_s(CALIBRATION_SEEDS, wall));
    eprintln!("sweeps: dosim {dosim_n} seeds, baseline {base_n} seeds per repetition");
    let (mut dosim_sps, mut base_sps) = (Vec::new(), Vec::new());
    for rep in 0..REPEATS as u64 {
        let dosim_seeds = seeds(rep * SWEEP_SEEDS_MAX, dosim_n);
        let (_, wall) = dosim_sweep(
            "bench_100req",
            SHORT_CLIENTS,
            SHORT_PER_CLIENT,
            &dosim_seeds,
        );
        dosim_sps.push(per_s(dosim_n, wall));
        let base_seeds = seeds(rep * SWEEP_SEEDS_MAX, base_n);
        let (_, base_wall) = baseline_sweep(SHORT_CLIENTS, SHORT_PER_CLIENT, &base_seeds);
        base_sps.push(per_s(base_n, base_wall));
        eprintln!(
            "100req #{rep}: dosim {dosim_n} seeds in {:.3} s ({:.0}/s), baseline {base_n} seeds in {:.3} s ({:.0}/s)",
            wall.as_secs_f64(),
            per_s(dosim_n, wall),
            base_wall.as_secs_f64(),
            per_s(base_n, base_wall)
        );
    }

    // Medians of the REPEATS repetitions.
    let dosim_rps = median(dosim_rps);
    let base_rps = median(base_rps);
    println!("counter_requests_per_s: {dosim_rps:.0}");
    let worker_rps = median(worker_rps);
    println!("worker_requests_per_s: {worker_rps:.0}");
    println!("worker_cost_ratio: {:.3}", dosim_rps / worker_rps);
    println!("counter_baseline_requests_per_s: {base_rps:.0}");
    println!("counter_overhead_ratio: {:.3}", base_rps / dosim_rps);
    let bare_rps = median(bare_rps);
    println!("counter_requests_per_s_no_monitors: {bare_rps:.0}");
    println!("monitor_cost_ratio: {:.3}", bare_rps / dosim_rps);
    #[cfg(feature = "js")]
    {
        let js_rps = median(js_rps);
        println!("js_counter_requests_per_s: {js_rps:.0}");
        println!("js_counter_cost_ratio: {:.3}", dosim_rps / js_rps);
    }
    println!("seeds_per_s_100req: {:.1}", median(dosim_sps));
    println!("seeds_baseline_per_s_100req: {:.1}", median(base_sps));
    for (name, value) in storage::figures() {
        let digits = if name.ends_with("_ratio") { 3 } else { 0 };
        println!("{name}: {value:.digits$}");
    }
    for (name, value) in objects::figures() {
        println!("{name}: {value:.0}");
    }
    for (name, value) in linearizability::figures() {
        if name.ends_with("_ms") {
            println!("{name}: {value:.3}");
        } else {
            println!("{name}: {value:.0}");
        }
    }
    for (name, value) in queues::figures() {
        let digits = if name.ends_with("_ratio") { 3 } else { 0 };
        println!("{name}: {value:.digits$}");
    }
    eprintln!("bench took {:.1} s", bench_started.elapsed().as_secs_f64());
}
