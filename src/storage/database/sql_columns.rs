//! The column names of the object's recent statements, kept by SQL text so
//! that a query run again shares one list instead of copying every name out
//! of SQLite on each `exec`.
//!
//! Invariant: an `exec` returns the names its statement has now. A schema
//! change can alter them for the same text (`SELECT *` after
//! `ALTER TABLE … ADD COLUMN` or `RENAME COLUMN`); SQLite then re-prepares
//! the statement on its next step (before that step it still reports the
//! old columns, so names are asked for only after stepping). A statement's
//! names change only when it is re-prepared, which SQLite counts
//! (`SQLITE_STMTSTATUS_REPREPARE`, kept across the re-prepare), so a kept
//! list is handed out only if the statement ran before (its run count,
//! `SQLITE_STMTSTATUS_RUN`, is past one: it is not a new statement for the
//! same text, prepared after the statement cache dropped the old one) and
//! its re-prepare count is the one the list was taken at. Debug builds
//! compare the names too.

use std::collections::BTreeMap;
use std::rc::Rc;

use rusqlite::{Statement, StatementStatus};

/// How many statements' names are kept (the statement cache's size).
const COLUMN_LISTS_MAX: usize = super::STATEMENT_CACHE_CAPACITY;

/// Column names by statement text; at most [`COLUMN_LISTS_MAX`] lists.
#[derive(Debug, Default)]
pub(super) struct ColumnNames {
    by_sql: BTreeMap<String, Kept>,
    // The names of every statement without result columns.
    none: Rc<[String]>,
}

#[derive(Debug)]
struct Kept {
    names: Rc<[String]>,
    // The statement's re-prepare count when the names were taken.
    reprepared: i32,
}

impl ColumnNames {
    /// The column names of `stmt`, whose text is `sql`; `stmt` has stepped.
    pub(super) fn of(&mut self, sql: &str, stmt: &Statement<'_>) -> Rc<[String]> {
        if stmt.column_count() == 0 {
            // No result columns (an INSERT, UPDATE or DELETE without
            // RETURNING, DDL): a schema change cannot give it any, since
            // only `*` follows the schema and a table has a column.
            return self.none.clone();
        }
        let reprepared = stmt.get_status(StatementStatus::RePrepare);
        let ran_before = stmt.get_status(StatementStatus::Run) > 1;
        if let Some(kept) = self.by_sql.get_mut(sql) {
            if !ran_before || kept.reprepared != reprepared {
                *kept = Kept {
                    names: fresh(stmt),
                    reprepared,
                };
            }
            debug_assert!(
                same_names(&kept.names, stmt),
                "invariant sql-column-names: kept {:?} for `{sql}`, the statement has {:?}",
                kept.names,
                fresh(stmt)
            );
            return kept.names.clone();
        }
        if self.by_sql.len() >= COLUMN_LISTS_MAX {
            // Any victim will do; the first key keeps it deterministic.
            self.by_sql.pop_first();
        }
        let names = fresh(stmt);
        let kept = Kept {
            names: names.clone(),
            reprepared,
        };
        self.by_sql.insert(sql.to_string(), kept);
        names
    }
}

/// The column names of `stmt`, copied out of SQLite.
pub(super) fn fresh(stmt: &Statement<'_>) -> Rc<[String]> {
    stmt.column_names().map(str::to_string).collect()
}

fn same_names(kept: &[String], stmt: &Statement<'_>) -> bool {
    kept.len() == stmt.column_count()
        && kept
            .iter()
            .enumerate()
            .all(|(i, name)| stmt.column_name(i).is_ok_and(|now| now == name))
}
