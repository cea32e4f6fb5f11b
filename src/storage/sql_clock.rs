//! Keeps the object's SQL deterministic: SQLite's clock and its random
//! functions answer from the simulation, not from the machine.
//!
//! SQLite reads the time (`datetime('now')`, `CURRENT_TIMESTAMP`, …) from its
//! VFS, and `random()` / `randomblob()` from a process-wide generator seeded
//! by the operating system. Either would make two runs of one seed differ.
//! So every database opens on the `dosim` VFS — the default VFS with only
//! its clock replaced by the simulated wall time of the run on this thread,
//! read when SQL asks for it — and `random()` / `randomblob()` are
//! replaced, per connection, by a generator seeded from the database's own
//! seed.
//!
//! The clock is pulled, not pushed: SQLite asks only when a statement reads
//! the time, so a storage access that runs none (every KV operation) does
//! not read the simulated clock at all. Time stands still while a task
//! runs, so the value is the one the access started at.

use std::cell::Cell;
use std::ffi::{c_int, CStr};
use std::sync::{Mutex, OnceLock};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::ffi;
use rusqlite::functions::FunctionFlags;

/// The VFS every dosim database opens on.
pub(crate) const VFS_NAME: &CStr = c"dosim";

/// The old name of [`SIM_START_UNIX_MS`](crate::sim::SIM_START_UNIX_MS),
/// what `datetime('now')` says at t = 0 of a run.
#[deprecated(note = "renamed to dosim::sim::SIM_START_UNIX_MS: one constant for the clock's start")]
pub const SQL_EPOCH_UNIX_MS: i64 = crate::sim::clock::SIM_START_UNIX_MS;

/// Julian day number of the Unix epoch, in milliseconds (SQLite's unit).
const UNIX_EPOCH_JULIAN_MS: i64 = 210_866_760_000_000;

thread_local! {
    static NOW_UNIX_MS: Cell<i64> = const { Cell::new(crate::sim::clock::SIM_START_UNIX_MS) };
}

/// Sets what SQL on this thread sees as the current time when no run is
/// going on here (a database used on its own, as in tests); during a run,
/// SQL reads the run's clock.
#[cfg(test)]
pub(crate) fn set_now(unix_ms: i64) {
    NOW_UNIX_MS.with(|n| n.set(unix_ms));
}

/// What SQL on this thread sees as now, in Unix milliseconds: the
/// simulated wall time of the run going on here, else the time last
/// `set_now`. Never panics: SQLite calls it through C, where a panic
/// cannot unwind; if the run's world cannot be read, the last set time
/// stands.
fn now_unix_ms() -> i64 {
    let run = std::panic::catch_unwind(|| {
        crate::sim::world::current().map(|world| {
            let ms = i64::try_from(world.now().as_millis()).unwrap_or(i64::MAX);
            crate::sim::clock::SIM_START_UNIX_MS.saturating_add(ms)
        })
    });
    match run {
        Ok(Some(now)) => now,
        _ => NOW_UNIX_MS.with(Cell::get),
    }
}

unsafe extern "C" fn current_time_int64(_vfs: *mut ffi::sqlite3_vfs, out: *mut i64) -> c_int {
    let now = now_unix_ms();
    // SAFETY: SQLite passes a valid out-pointer.
    unsafe { *out = UNIX_EPOCH_JULIAN_MS + now };
    ffi::SQLITE_OK
}

unsafe extern "C" fn current_time(_vfs: *mut ffi::sqlite3_vfs, out: *mut f64) -> c_int {
    let now = now_unix_ms();
    // SAFETY: SQLite passes a valid out-pointer.
    unsafe { *out = (UNIX_EPOCH_JULIAN_MS + now) as f64 / 86_400_000.0 };
    ffi::SQLITE_OK
}

/// Registers the `dosim` VFS once per process; returns whether it exists.
pub(crate) fn register_vfs() -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    *REGISTERED.get_or_init(|| {
        // SAFETY: sqlite3_config runs before SQLite initialises (it fails
        // harmlessly with SQLITE_MISUSE if something opened a connection
        // already). sqlite3_vfs_find(NULL) returns the default VFS, which
        // lives for the whole process. The copy is leaked on purpose: SQLite
        // keeps the pointer for as long as the process runs.
        unsafe {
            // Memory statistics take a process-wide mutex on every
            // allocation, which serialises the seeds a sweep runs in
            // parallel; dosim never reads them.
            ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
            let default = ffi::sqlite3_vfs_find(std::ptr::null());
            if default.is_null() {
                return false;
            }
            let mut vfs = std::ptr::read(default);
            vfs.zName = VFS_NAME.as_ptr();
            vfs.pNext = std::ptr::null_mut();
            vfs.xCurrentTime = Some(current_time);
            if vfs.iVersion >= 2 {
                vfs.xCurrentTimeInt64 = Some(current_time_int64);
            }
            let vfs = Box::leak(Box::new(vfs));
            ffi::sqlite3_vfs_register(vfs, 0) == ffi::SQLITE_OK
        }
    })
}

/// Replaces `random()` and `randomblob(n)` on `conn` with a generator seeded
/// by `seed`.
pub(crate) fn install_random(conn: &rusqlite::Connection, seed: u64) -> rusqlite::Result<()> {
    let rng = std::sync::Arc::new(Mutex::new(ChaCha8Rng::seed_from_u64(seed)));
    let flags = FunctionFlags::SQLITE_UTF8;
    let r = rng.clone();
    conn.create_scalar_function("random", 0, flags, move |_| {
        Ok(r.lock().map(|mut g| g.gen::<i64>()).unwrap_or(0))
    })?;
    conn.create_scalar_function("randomblob", 1, flags, move |ctx| {
        let n: i64 = ctx.get::<Option<i64>>(0)?.unwrap_or(1).max(1);
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        // SQLite refuses a result over the connection's own limit; this
        // only spares allocating one beyond any limit a run may choose.
        if n > crate::limits::Limits::local().value_bytes_max() as usize {
            return Err(rusqlite::Error::UserFunctionError(
                "string or blob too big".into(),
            ));
        }
        let mut bytes = vec![0u8; n];
        if let Ok(mut g) = rng.lock() {
            g.fill(&mut bytes[..]);
        }
        Ok(bytes)
    })
}
