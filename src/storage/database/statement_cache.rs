//! The object's own statements, kept prepared by their text.
//!
//! An object runs the same few statements again and again, so each is
//! prepared once and kept. rusqlite's statement cache does that too, but
//! on every use it trims the text, hashes it twice, allocates a key and
//! takes the statement out of its map and puts it back: about 900
//! instructions, an eighth of a point select. Here a use is a comparison
//! of the text with the statement used last, or a scan of a short list.
//!
//! Invariant: at most `capacity` statements are kept; when a new one
//! needs room, the one used longest ago is finalized (the same choice as
//! rusqlite's LRU cache, so a statement is prepared anew exactly when it
//! would have been before). A statement handed out is reset and its
//! bindings cleared before it goes back.

use std::cell::RefCell;

use rusqlite::Statement;

/// The cache. It must be dropped before the connection its statements
/// borrow (see `prepared.rs`).
pub(super) struct StatementCache {
    kept: RefCell<Kept>,
}

struct Kept {
    entries: Vec<Entry>,
    capacity: usize,
    // Counts uses, to find the least recently used entry.
    clock: u64,
    // The entry used last: the usual next one.
    last: usize,
}

struct Entry {
    sql: Box<str>,
    stmt: Statement<'static>,
    used: u64,
}

impl StatementCache {
    pub(super) fn new(capacity: usize) -> StatementCache {
        StatementCache {
            kept: RefCell::new(Kept {
                entries: Vec::new(),
                capacity: capacity.max(1),
                clock: 0,
                last: 0,
            }),
        }
    }

    /// Runs `f` on the statement for `sql`: the kept one, or a new one
    /// from `prepare`, which is then kept. `f` gets whether the statement
    /// was prepared just now.
    ///
    /// # Safety
    ///
    /// `prepare` must return a statement of the connection that outlives
    /// this cache.
    pub(super) unsafe fn with<'c, R, E>(
        &self,
        sql: &str,
        prepare: impl FnOnce() -> Result<Statement<'c>, E>,
        f: impl FnOnce(&mut Statement<'_>, bool) -> R,
    ) -> Result<R, E> {
        let mut kept = self.kept.borrow_mut();
        kept.clock += 1;
        let now = kept.clock;
        let (index, fresh) = match kept.find(sql) {
            Some(index) => (index, false),
            None => {
                let stmt = prepare()?;
                // SAFETY: the caller promises the connection outlives the
                // cache, which finalizes every statement when dropped.
                let stmt =
                    unsafe { std::mem::transmute::<Statement<'c>, Statement<'static>>(stmt) };
                (kept.insert(sql, stmt), true)
            }
        };
        kept.last = index;
        let entry = &mut kept.entries[index];
        entry.used = now;
        let result = f(&mut entry.stmt, fresh);
        // A bound value is a copy (up to a 2 MB blob) that would otherwise
        // stay with the statement until its next use.
        entry.stmt.clear_bindings();
        Ok(result)
    }
}

impl Kept {
    fn find(&self, sql: &str) -> Option<usize> {
        let same = |entry: &Entry| entry.sql.len() == sql.len() && *entry.sql == *sql;
        if self.entries.get(self.last).is_some_and(same) {
            return Some(self.last);
        }
        self.entries.iter().position(same)
    }

    /// Keeps `stmt`, making room if needed; returns its index.
    fn insert(&mut self, sql: &str, stmt: Statement<'static>) -> usize {
        let entry = Entry {
            sql: sql.into(),
            stmt,
            used: self.clock,
        };
        if self.entries.len() < self.capacity {
            self.entries.push(entry);
            return self.entries.len() - 1;
        }
        // Uses are counted, so no two entries share a time.
        let oldest = (0..self.entries.len())
            .min_by_key(|&i| self.entries[i].used)
            .expect("invariant statement-cache-capacity: a full cache holds a statement");
        // The old statement is finalized here, when it is dropped.
        self.entries[oldest] = entry;
        oldest
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn run(cache: &StatementCache, conn: &Connection, sql: &str) -> bool {
        // SAFETY: `conn` outlives `cache` in every test below.
        unsafe { cache.with(sql, || conn.prepare(sql), |_, fresh| fresh) }.unwrap()
    }

    #[test]
    fn a_statement_is_prepared_once_until_the_least_recently_used_makes_room() {
        let conn = Connection::open_in_memory().unwrap();
        let cache = StatementCache::new(2);
        assert!(run(&cache, &conn, "SELECT 1"));
        assert!(run(&cache, &conn, "SELECT 2"));
        assert!(!run(&cache, &conn, "SELECT 1"));
        assert!(run(&cache, &conn, "SELECT 3"), "SELECT 2 made room");
        assert!(!run(&cache, &conn, "SELECT 1"));
        assert!(run(&cache, &conn, "SELECT 2"), "it was finalized");
        drop(cache);
    }

    #[test]
    fn a_statement_that_fails_to_prepare_is_not_kept() {
        let conn = Connection::open_in_memory().unwrap();
        let cache = StatementCache::new(4);
        let sql = "SELECT * FROM missing";
        // SAFETY: `conn` outlives `cache`.
        let failed = unsafe { cache.with(sql, || conn.prepare(sql), |_, _| ()) };
        assert!(failed.is_err());
        conn.execute_batch("CREATE TABLE missing (a)").unwrap();
        assert!(run(&cache, &conn, sql));
        drop(cache);
    }
}
