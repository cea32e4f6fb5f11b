//! The counter workload written directly on madsim + rusqlite, with no
//! dosim layer: what dosim does per request minus its gates, trace, stubs
//! and per-event tasks (the bench's module documentation says what one
//! increment costs here).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use dosim::Seed;
use dosim_workloads::counter;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, OptionalExtension, Statement};

pub const CREATE_KV: &str = "CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID";
pub const GET: &str = "SELECT value FROM kv WHERE key = ?1";
pub const PUT: &str =
    "INSERT INTO kv (key, value) VALUES (?1, ?2) ON CONFLICT DO UPDATE SET value = excluded.value";
/// The audit reads every op record, as the object's `list` of the `op:`
/// prefix does (a count alone would leave dosim the only side reading and
/// decoding them).
const LIST_OPS: &str = "SELECT key, value FROM kv WHERE key >= 'op:' AND key < 'op;' ORDER BY key";

/// Switches SQLite's memory statistics off for the whole process, as dosim
/// does before it opens its first database. The switch is process-wide and
/// takes only before SQLite initialises, so without this call it would
/// depend on which side opened a connection first: the first unmeasured
/// round runs the baseline first, which left the statistics on for both
/// sides (a mutex taken and released per SQLite allocation), while a
/// profile of the baseline alone paid them and one of dosim alone did not.
/// Called first thing in `main`, so every figure and profile runs SQLite
/// as a dosim user's process does.
pub fn configure_sqlite() {
    // SAFETY: called before any connection exists, as sqlite3_config
    // requires; after SQLite initialised it fails with SQLITE_MISUSE and
    // changes nothing.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_config(
            rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
            0 as std::os::raw::c_int,
        )
    };
    assert_eq!(
        rc,
        rusqlite::ffi::SQLITE_OK,
        "SQLite is configured before any connection opens"
    );
}

/// One uniform 1–10 ms one-way latency.
fn latency(rng: &RefCell<ChaCha8Rng>) -> Duration {
    Duration::from_micros(rng.borrow_mut().gen_range(1_000..=10_000))
}

/// The object's increment, on the bare connection: read the count, write
/// count+1 and its op record. Returns the new count. The statements are
/// prepared once per client, as dosim prepares its KV statements once per
/// connection: a `prepare_cached` look-up per call (hashing the SQL text,
/// taking the statement out of the cache and putting it back) is work
/// dosim's own path does not do.
fn increment(get: &mut Statement<'_>, put: &mut Statement<'_>) -> u64 {
    let n: u64 = get
        .query_row(["count"], |row| row.get::<_, Vec<u8>>(0))
        .optional()
        .unwrap()
        .map(|bytes| serde_json::from_slice(&bytes).unwrap())
        .unwrap_or(0);
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
fn run(seed: u64, clients: u64, per_client: u64) -> u64 {
    let rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
    rt.block_on(async move {
        let conn = Rc::new(Connection::open_in_memory().unwrap());
        conn.execute_batch(CREATE_KV).unwrap();
        // One transaction for the whole run, as dosim keeps one open while
        // batches are in flight (and the storage baselines do too): outside
        // one, SQLite commits every statement on its own, work dosim never
        // does, which the ratio would have counted in dosim's favour.
        conn.execute_batch("BEGIN").unwrap();
        let rng = Rc::new(RefCell::new(ChaCha8Rng::seed_from_u64(seed)));
        let mut handles = Vec::new();
        for _ in 0..clients {
            let (conn, rng) = (conn.clone(), rng.clone());
            handles.push(madsim::task::spawn_local(async move {
                let mut get = conn.prepare(GET).unwrap();
                let mut put = conn.prepare(PUT).unwrap();
                let mut ok = 0u64;
                for _ in 0..per_client {
                    madsim::time::sleep(latency(&rng)).await; // client → host
                    increment(&mut get, &mut put);
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
        let mut list = conn.prepare(LIST_OPS).unwrap();
        let ops: Vec<(String, u64)> = list
            .query_map([], |row| Ok((row.get(0)?, row.get::<_, Vec<u8>>(1)?)))
            .unwrap()
            .map(|row| {
                let (key, bytes) = row.unwrap();
                (key, serde_json::from_slice(&bytes).unwrap())
            })
            .collect();
        let ops = ops.len() as u64;
        conn.execute_batch("COMMIT").unwrap();
        assert_eq!(count, total, "baseline count matches acknowledgements");
        assert_eq!(ops, total, "baseline op records match the count");
        total
    })
}

/// Runs `seeds` through the baseline, each on a fresh thread; returns
/// (acknowledged requests, wall time).
pub fn sweep(clients: u64, per_client: u64, seeds: &[Seed]) -> (u64, Duration) {
    sweep_jobs(clients, per_client, seeds, 1)
}

/// [`sweep`] on `jobs` workers, each taking the next seed and waiting for
/// its fresh thread, as a dosim sweep's workers do (the same kind of
/// thread: `dosim::run_on_fresh_thread`, so that neither side pays more
/// per seed for its thread than the other). Like dosim's, a worker is
/// pinned to a core of its own when there is one worker per core.
pub fn sweep_jobs(clients: u64, per_client: u64, seeds: &[Seed], jobs: usize) -> (u64, Duration) {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut acked = 0;
        while let Some(seed) = seeds.get(next.fetch_add(1, Ordering::Relaxed)) {
            let seed = seed.0;
            acked += dosim::run_on_fresh_thread("baseline", move || run(seed, clients, per_client))
                .expect("the OS refused a thread for a baseline run")
                .expect("a baseline run panicked");
        }
        acked
    };
    let acked: u64 = if jobs == 1 {
        worker()
    } else {
        let cores = allowed_cores();
        let pin = cores.len() == jobs;
        let worker = &worker;
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..jobs)
                .map(|w| {
                    let core = cores.get(w).copied().filter(|_| pin);
                    scope.spawn(move || {
                        if let Some(core) = core {
                            pin_here(core);
                        }
                        worker()
                    })
                })
                .collect();
            workers.into_iter().map(|w| w.join().unwrap()).sum()
        })
    };
    let wall = started.elapsed();
    let expected = seeds.len() as u64 * clients * per_client;
    assert_eq!(acked, expected, "baseline acknowledged every increment");
    (acked, wall)
}

/// The cores this process may run on (as dosim's sweep reads them).
fn allowed_cores() -> Vec<usize> {
    // SAFETY: `set` is a plain bit set the call fills in; every index
    // tested is below its size in bits.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) != 0 {
            return Vec::new();
        }
        (0..libc::CPU_SETSIZE as usize)
            .filter(|&c| libc::CPU_ISSET(c, &set))
            .collect()
    }
}

/// Keeps the calling thread on `core`.
fn pin_here(core: usize) {
    // SAFETY: `core` came from `allowed_cores`, so it is inside the set.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}
