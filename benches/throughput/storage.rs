//! Storage throughput: dosim's KV and SQL APIs inside one object, each
//! beside a bare rusqlite loop doing the same work (the figures are listed
//! in the bench's module documentation).
//!
//! Each dosim workload is one RPC to one `Store` object in a one-client,
//! one-host world with no faults; the whole `Runner::run_seeds` call is
//! timed (world set-up, the run, the trace monitors), as for the counter.
//! The handler never awaits anything outside the object, so all its writes
//! join one write batch: one SQLite savepoint held from the first write to
//! the end of the handler. Each baseline therefore runs its loop inside one
//! `BEGIN … COMMIT` on a fresh in-memory connection, the KV loop with its
//! two statements prepared once (as dosim prepares its KV statements), the
//! SQL loops with `prepare_cached` (as dosim's `exec` looks its statements
//! up by their text). Both sides return a checksum of what they read, which must
//! agree, or the bench panics.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dosim::{DurableObject, Env, Faults, Runner, Seed, State, WorldConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::baseline::{CREATE_KV, GET, PUT};
use super::figures::{back_to_back, medians, per_s, ratios, REPEATS};

/// Storage operations of the KV workload (half puts, half gets).
const KV_OPS: u64 = 200_000;
/// Distinct keys the KV workload touches.
const KV_KEYS: usize = 256;
/// Rows the insert workload writes, one `exec` each.
const SQL_INSERTS: u64 = 200_000;
/// Rows in the table the select workload reads.
const SQL_TABLE_ROWS: u64 = 10_000;
/// Point selects of the select workload, one `exec` each.
const SQL_SELECTS: u64 = 200_000;
/// Distinct values of the indexed `name` column.
const SQL_NAMES: u64 = 1_000;

/// The seed of every dosim run, and of the key and id sequences.
const SEED_INDEX: u64 = 11;
const PLAN_SEED: u64 = 0x5eed_b10c;

const CREATE_T: &str = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER); \
                        CREATE INDEX t_name ON t (name)";
const INSERT_T: &str = "INSERT INTO t (id, name, n) VALUES (?, ?, ?)";
const SELECT_T: &str = "SELECT id, name, n FROM t WHERE id = ?";
/// Fills `t` with ids `0..?` in one statement (set-up of the select
/// workload; the same rows `INSERT_T` would write).
const FILL_T: &str =
    "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i + 1 < ?) \
                      INSERT INTO t (id, name, n) \
                      SELECT i, 'name-' || (i % 1000), (i * 7919) % 1000 FROM c";
const CHECK_T: &str = "SELECT count(*), sum(n) FROM t";

/// The KV value: JSON-encoded on both sides, as dosim stores it.
#[derive(Serialize, Deserialize)]
struct Item {
    n: u64,
    tag: String,
}

/// One row of `t`, decoded by column name.
#[derive(Deserialize)]
struct Record {
    id: i64,
    name: String,
    n: i64,
}

fn kv_keys() -> Vec<String> {
    (0..KV_KEYS).map(|k| format!("key:{k:04}")).collect()
}

fn names() -> Vec<String> {
    (0..SQL_NAMES).map(|j| format!("name-{j}")).collect()
}

/// The `n` column of row `i` (what `FILL_T` computes too).
fn n_of(i: u64) -> i64 {
    (i * 7919 % 1000) as i64
}

// ---------------------------------------------------------------- dosim --

struct Store {
    state: State,
}

impl DurableObject for Store {
    fn new(state: State, _env: Env) -> Self {
        Store { state }
    }
}

dosim::rpc! {
    trait StoreRpc for Store {
        /// `ops` awaited puts (even steps) and gets (odd steps) on random
        /// keys; returns the sum of `n` over the gets that found a value.
        async fn kv(&self, ops: u64) -> Result<u64> {
            let storage = self.state.storage();
            let keys = kv_keys();
            let mut rng = ChaCha8Rng::seed_from_u64(PLAN_SEED);
            let mut sum = 0;
            for i in 0..ops {
                let key = &keys[rng.gen_range(0..KV_KEYS)];
                if i % 2 == 0 {
                    storage.put(key, &Item { n: i, tag: key.clone() }).await?;
                } else if let Some(item) = storage.get::<Item>(key).await? {
                    sum += item.n;
                }
            }
            Ok(sum)
        }

        /// Creates `t` and inserts `rows` rows, one `exec` each; returns
        /// the row count plus the sum of `n`.
        async fn insert(&self, rows: u64) -> Result<u64> {
            let sql = self.state.storage().sql();
            sql.exec(CREATE_T, ())?;
            let names = names();
            for i in 0..rows {
                let name = &names[(i % SQL_NAMES) as usize];
                sql.exec(INSERT_T, (i, name, n_of(i)))?;
            }
            let mut check = sql.exec(CHECK_T, ())?.raw();
            Ok(match check.next().as_deref() {
                Some([dosim::SqlValue::Integer(c), dosim::SqlValue::Integer(s)]) => (c + s) as u64,
                other => dosim::bail!("unexpected check row {other:?}"),
            })
        }

        /// Fills `t` with `rows` rows, then makes `selects` point selects
        /// by random id, each decoded with `.one::<Record>()`; returns the
        /// sum of `id + n` plus the length of every name.
        async fn select(&self, rows: u64, selects: u64) -> Result<u64> {
            let sql = self.state.storage().sql();
            sql.exec(CREATE_T, ())?;
            sql.exec(FILL_T, (rows,))?;
            let mut rng = ChaCha8Rng::seed_from_u64(PLAN_SEED);
            let mut sum = 0;
            for _ in 0..selects {
                let id = rng.gen_range(0..rows);
                let row: Record = sql.exec(SELECT_T, (id,))?.one()?;
                sum += (row.id + row.n) as u64 + row.name.len() as u64;
            }
            Ok(sum)
        }
    }
}

#[derive(Clone, Copy)]
enum Workload {
    Kv,
    Insert,
    Select,
}

/// Runs one workload as one RPC in one seed; returns (checksum, wall time).
fn dosim_run(workload: Workload) -> (u64, Duration) {
    dosim_run_sized(workload, workload.ops())
}

impl Workload {
    /// The workload's operations in the timed bench.
    fn ops(self) -> u64 {
        match self {
            Workload::Kv => KV_OPS,
            Workload::Insert => SQL_INSERTS,
            Workload::Select => SQL_SELECTS,
        }
    }
}

/// [`dosim_run`] with `ops` operations instead of the bench's count.
fn dosim_run_sized(workload: Workload, ops: u64) -> (u64, Duration) {
    let runner = Runner::new("bench_storage")
        .world(WorldConfig::new(1, 1))
        .faults(Faults::None)
        .quiet()
        .determinism_sample(0)
        .deadline(Duration::from_secs(24 * 3600))
        .steps_max(u64::MAX);
    let out = Arc::new(AtomicU64::new(0));
    let body_out = out.clone();
    let started = Instant::now();
    let report = runner.run_seeds(&[Seed::nth(SEED_INDEX)], move |sim| {
        let out = body_out.clone();
        async move {
            let store = sim.register::<Store>("STORE")?.get_by_name("bench");
            let sum = match workload {
                Workload::Kv => store.kv(ops).await?,
                Workload::Insert => store.insert(ops).await?,
                Workload::Select => store.select(SQL_TABLE_ROWS, ops).await?,
            };
            out.store(sum, Ordering::Relaxed);
            Ok(())
        }
    });
    let wall = started.elapsed();
    report.assert_passed();
    (out.load(Ordering::Relaxed), wall)
}

// ------------------------------------------------------------- baseline --

/// A fresh in-memory connection inside one transaction, as dosim's batch.
fn connection(schema: &str) -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(schema).unwrap();
    conn.execute_batch("BEGIN").unwrap();
    conn
}

fn kv_baseline(ops: u64) -> u64 {
    let conn = connection(CREATE_KV);
    let keys = kv_keys();
    let mut rng = ChaCha8Rng::seed_from_u64(PLAN_SEED);
    let mut sum = 0;
    // Prepared once, as dosim prepares its KV statements once per
    // connection (the SQL workloads keep `prepare_cached`: dosim's `exec`
    // looks its statements up by their text too).
    let mut put = conn.prepare(PUT).unwrap();
    let mut get = conn.prepare(GET).unwrap();
    for i in 0..ops {
        let key = &keys[rng.gen_range(0..KV_KEYS)];
        if i % 2 == 0 {
            let value = serde_json::to_vec(&Item {
                n: i,
                tag: key.clone(),
            })
            .unwrap();
            put.execute(params![key, value]).unwrap();
        } else {
            let found: Option<Vec<u8>> = get.query_row([key], |row| row.get(0)).optional().unwrap();
            if let Some(bytes) = found {
                sum += serde_json::from_slice::<Item>(&bytes).unwrap().n;
            }
        }
    }
    drop((put, get));
    conn.execute_batch("COMMIT").unwrap();
    sum
}

fn insert_baseline(rows: u64) -> u64 {
    let conn = connection(CREATE_T);
    let names = names();
    for i in 0..rows {
        let name = &names[(i % SQL_NAMES) as usize];
        let mut insert = conn.prepare_cached(INSERT_T).unwrap();
        insert.execute(params![i as i64, name, n_of(i)]).unwrap();
    }
    let (count, sum): (i64, i64) = conn
        .query_row(CHECK_T, [], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap();
    conn.execute_batch("COMMIT").unwrap();
    (count + sum) as u64
}

fn select_baseline(rows: u64, selects: u64) -> u64 {
    let conn = connection(CREATE_T);
    conn.execute(FILL_T, [rows as i64]).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(PLAN_SEED);
    let mut sum = 0;
    for _ in 0..selects {
        let id = rng.gen_range(0..rows);
        let row = conn
            .prepare_cached(SELECT_T)
            .unwrap()
            .query_row([id as i64], |row| {
                Ok(Record {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    n: row.get(2)?,
                })
            })
            .unwrap();
        sum += (row.id + row.n) as u64 + row.name.len() as u64;
    }
    conn.execute_batch("COMMIT").unwrap();
    sum
}

fn baseline_run(workload: Workload) -> (u64, Duration) {
    baseline_run_sized(workload, workload.ops())
}

/// [`baseline_run`] with `ops` operations instead of the bench's count.
fn baseline_run_sized(workload: Workload, ops: u64) -> (u64, Duration) {
    let started = Instant::now();
    let sum = match workload {
        Workload::Kv => kv_baseline(ops),
        Workload::Insert => insert_baseline(ops),
        Workload::Select => select_baseline(SQL_TABLE_ROWS, ops),
    };
    (sum, started.elapsed())
}

/// Runs one storage workload once for a profiler: `kv`, `sql-insert` or
/// `sql-select`, each optionally with `-baseline`, with `ops` operations
/// (the bench's count if `None`). Returns the operations and the wall
/// time, or `None` if `which` names no storage workload.
pub fn profile(which: &str, ops: Option<u64>) -> Option<(u64, Duration)> {
    let (name, baseline) = match which.strip_suffix("-baseline") {
        Some(name) => (name, true),
        None => (which, false),
    };
    let workload = match name {
        "kv" => Workload::Kv,
        "sql-insert" => Workload::Insert,
        "sql-select" => Workload::Select,
        _ => return None,
    };
    let ops = ops.unwrap_or(workload.ops());
    let (_, wall) = if baseline {
        baseline_run_sized(workload, ops)
    } else {
        dosim_run_sized(workload, ops)
    };
    Some((ops, wall))
}

// -------------------------------------------------------------- figures --

/// (dosim, baseline, baseline / dosim) operations per second of one
/// workload, one value per repetition, the two sides back to back in
/// alternating order.
fn measure(label: &str, workload: Workload, ops: u64) -> [Vec<f64>; 3] {
    // One unmeasured round of each side first: the first round of a
    // workload grows the process (about 14 000 page faults for `kv`) and
    // ran 1.3-1.7x slower than the next, on both sides.
    let _ = (dosim_run(workload), baseline_run(workload));
    let (mut dosim, mut base) = (Vec::new(), Vec::new());
    for rep in 0..REPEATS {
        let ((sum, wall), (base_sum, base_wall)) =
            back_to_back(rep, || dosim_run(workload), || baseline_run(workload));
        assert_eq!(
            sum, base_sum,
            "{label}: dosim and the baseline read the same"
        );
        dosim.push(per_s(ops, wall));
        base.push(per_s(ops, base_wall));
        eprintln!(
            "{label} #{rep}: {ops} ops; dosim {:.3} s ({:.0}/s), baseline {:.3} s ({:.0}/s)",
            wall.as_secs_f64(),
            per_s(ops, wall),
            base_wall.as_secs_f64(),
            per_s(ops, base_wall)
        );
    }
    let ratio = ratios(&base, &dosim);
    [dosim, base, ratio]
}

/// The storage figures, as (name, value) in print order.
pub fn figures() -> Vec<(&'static str, f64)> {
    let workloads = [
        ("kv", Workload::Kv, KV_OPS),
        ("sql_insert", Workload::Insert, SQL_INSERTS),
        ("sql_select", Workload::Select, SQL_SELECTS),
    ];
    let names = [
        ["kv_ops_per_s", "kv_baseline_ops_per_s", "kv_overhead_ratio"],
        [
            "sql_insert_per_s",
            "sql_insert_baseline_per_s",
            "sql_insert_overhead_ratio",
        ],
        [
            "sql_select_per_s",
            "sql_select_baseline_per_s",
            "sql_select_overhead_ratio",
        ],
    ];
    let mut named = Vec::new();
    for ((label, workload, ops), names) in workloads.into_iter().zip(names) {
        named.extend(names.into_iter().zip(measure(label, workload, ops)));
    }
    medians(named)
}
