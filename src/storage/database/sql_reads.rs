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
    /// Whether `sql` (one statement) reads or writes a table. `prepared` is
    /// what the authorizer said if `sql` was prepared just now.
    pub(super) fn of(
        &mut self,
        conn: &Connection,
        auth: &Authorizer,
        sql: &str,
        prepared: Option<bool>,
    ) -> bool {
        let known = prepared.or_else(|| self.by_sql.get(sql).copied());
        let reads = known.unwrap_or_else(|| {
            // Preparing again cannot fail: the same text just prepared.
            auth.user_sql(|| conn.prepare(sql).map(drop))
                .ok()
                .and(auth.take_table_read())
                .unwrap_or(false)
        });
        if known.is_none() || prepared.is_some() {
            if self.by_sql.len() >= ANSWERS_MAX && !self.by_sql.contains_key(sql) {
                // Any victim will do; the first key keeps it deterministic.
                self.by_sql.pop_first();
            }
            self.by_sql.insert(sql.to_string(), reads);
        }
        reads
    }
}
