//! The column names of the object's recent statements, kept by SQL text so
//! that a query run again shares one list instead of copying every name out
//! of SQLite on each `exec`.
//!
//! Invariant: an `exec` returns the names its statement has now. A schema
//! change can alter them for the same text (`SELECT *` after
//! `ALTER TABLE … ADD COLUMN` or `RENAME COLUMN`), so a kept list is handed
//! out only after it is compared, name by name, with the statement's, and
//! the statement must already have stepped (a step re-prepares a statement
//! a schema change expired; before it, SQLite reports the old columns).

use std::collections::BTreeMap;
use std::rc::Rc;

use rusqlite::Statement;

/// How many statements' names are kept (the statement cache's size).
const COLUMN_LISTS_MAX: usize = super::STATEMENT_CACHE_CAPACITY;

/// Column names by statement text; at most [`COLUMN_LISTS_MAX`] lists.
#[derive(Debug, Default)]
pub(super) struct ColumnNames {
    by_sql: BTreeMap<String, Rc<[String]>>,
}

impl ColumnNames {
    /// The column names of `stmt`, whose text is `sql`; `stmt` has stepped.
    pub(super) fn of(&mut self, sql: &str, stmt: &Statement<'_>) -> Rc<[String]> {
        if let Some(kept) = self.by_sql.get_mut(sql) {
            if !same_names(kept, stmt) {
                *kept = fresh(stmt);
            }
            return kept.clone();
        }
        if self.by_sql.len() >= COLUMN_LISTS_MAX {
            // Any victim will do; the first key keeps it deterministic.
            self.by_sql.pop_first();
        }
        let names = fresh(stmt);
        self.by_sql.insert(sql.to_string(), names.clone());
        names
    }
}

/// The column names of `stmt`, copied out of SQLite.
pub(super) fn fresh(stmt: &Statement<'_>) -> Rc<[String]> {
    stmt.column_names()
        .into_iter()
        .map(str::to_string)
        .collect()
}

fn same_names(kept: &[String], stmt: &Statement<'_>) -> bool {
    kept.len() == stmt.column_count()
        && kept
            .iter()
            .enumerate()
            .all(|(i, name)| stmt.column_name(i).is_ok_and(|now| now == name))
}
