//! Whether the object's recent statements read a table, kept by SQL text.
//!
//! workerd counts a row as read only when it comes out of a table: `SELECT 1`,
//! `SELECT ?` and pragmas report `rows_read` 0 whatever they return. Which
//! tables a statement touches is known only while SQLite prepares it (the
//! authorizer is asked then, see `authorizer.rs`), and a statement taken
//! from the statement cache is not prepared again, so the answer is kept
//! under the statement's text.
//!
//! Invariant: the answer handed out is the one the authorizer gave for that
//! text. A text missing here (its entry was dropped to make room) is
//! prepared once more, uncached, to ask again.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::Authorizer;

/// How many statements' answers are kept (the statement cache's size).
const ANSWERS_MAX: usize = super::STATEMENT_CACHE_CAPACITY;

/// Whether a statement reads a table, by statement text.
#[derive(Debug, Default)]
pub(super) struct TableReads {
    by_sql: BTreeMap<String, bool>,
}

impl TableReads {
    /// Keeps what the authorizer said of `sql`, prepared just now. Kept at
    /// once, whether or not this run returns rows: a statement that first
    /// finds nothing (a look-up in an empty table) and rows later would
    /// otherwise be prepared a second time to ask again.
    pub(super) fn remember(&mut self, sql: &str, reads: bool) {
        if self.by_sql.len() >= ANSWERS_MAX && !self.by_sql.contains_key(sql) {
            // Any victim will do; the first key keeps it deterministic.
            self.by_sql.pop_first();
        }
        self.by_sql.insert(sql.to_string(), reads);
    }

    /// Whether `sql` (one statement) reads or writes a table: the answer
    /// kept, or, if it was dropped to make room, the authorizer's when
    /// `sql` is prepared once more.
    pub(super) fn of(&mut self, conn: &Connection, auth: &Authorizer, sql: &str) -> bool {
        if let Some(&reads) = self.by_sql.get(sql) {
            return reads;
        }
        // Preparing again cannot fail: the same text just prepared.
        let reads = auth
            .user_sql(|| conn.prepare(sql).map(drop))
            .ok()
            .and(auth.take_table_read())
            .unwrap_or(false);
        self.remember(sql, reads);
        reads
    }
}
