//! `exec`: the object's own SQL on its database, with the real runtime's
//! rules.
//!
//! Invariant: an object's SQL joins the write batch exactly like a KV write
//! does (in the savepoint that holds the batch), so KV and SQL writes of one event commit,
//! or vanish in a crash, together. A statement that only reads opens no
//! batch. A failed `exec` leaves nothing behind: a single statement is
//! atomic in SQLite already, and several statements run inside a savepoint
//! of their own that a failure rolls back.
//!
//! Results are read eagerly: the cursor an object gets holds every row.
//! (The real cursor steps lazily; the difference shows only to code that
//! keeps a cursor across an await, which `docs/semantics.md` warns
//! against.)

use std::borrow::Cow;
use std::rc::Rc;

use rusqlite::{Error as SqliteError, PrepFlags, Statement};

use rusqlite::fallible_iterator::FallibleIterator;

use super::sql_columns::{self, ColumnNames};
use super::{Database, FillingBatch, Fixed, StorageError};
use crate::storage::authorizer::TRANSACTION_REFUSED;
use crate::storage::sql_error::describe;
use crate::storage::sql_value::SqlValue;

/// The most parameters one statement may bind (production's limit).
pub const SQL_BINDINGS_MAX: i32 = 100;
/// The longest statement, in bytes (production's limit: 100 KB).
pub const SQL_LENGTH_MAX: i32 = 100_000;
/// The most columns of a table or result (production's limit).
pub const SQL_COLUMNS_MAX: i32 = 100;
/// The largest string, blob or row, in bytes (production's 2 MB; see
/// [`Limits`](crate::limits::Limits)).
pub const SQL_VALUE_BYTES_MAX: i32 = crate::limits::VALUE_BYTES_PRODUCTION as i32;

const WRONG_BINDINGS: &str = "Wrong number of parameter bindings for SQL query.";
const NO_STATEMENT: &str = "SQL code did not contain a statement.";

/// What one `exec` produced: the last statement's rows, and the counters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Executed {
    /// The last statement's column names, in order (duplicates kept).
    pub column_names: Rc<[String]>,
    /// The last statement's rows, each value in column order.
    pub rows: Vec<Vec<SqlValue>>,
    /// Rows the last statement read from tables (an approximation, see
    /// `docs/storage.md`); like workerd, earlier statements do not count.
    pub rows_read: u64,
    /// Rows the last statement wrote; earlier statements do not count.
    pub rows_written: u64,
    /// Whether the exec wrote (and so joined the write batch).
    pub wrote: bool,
}

impl Database {
    /// Runs `query`, one statement that only reads; a statement that would
    /// write (or several statements) is refused before anything runs.
    pub fn exec_read_only(
        &mut self,
        query: &str,
        bindings: &[SqlValue],
    ) -> Result<Executed, StorageError> {
        let writes = {
            let stmt = self
                .conn
                .prepare(query)
                .map_err(|e| StorageError::Sqlite(describe(&e)))?;
            !stmt.readonly()
        };
        if writes {
            return Err(StorageError::TypeError(format!(
                "a read-only view refuses a statement that writes: `{query}`"
            )));
        }
        self.exec(query, bindings)
    }

    /// Runs `query` (one or more statements); `bindings` apply to the last.
    ///
    /// A single statement is prepared once: the statement that says whether
    /// it writes is the one that runs, and the batch joins its savepoint in
    /// between (outside the object's SQL, so the authorizer allows it).
    pub fn exec(&mut self, query: &str, bindings: &[SqlValue]) -> Result<Executed, StorageError> {
        self.exec_bindings(query, Cow::Borrowed(bindings))
    }

    /// [`Database::exec`], taking the bindings: a writing statement's log
    /// entry keeps them instead of a copy.
    pub fn exec_owned(
        &mut self,
        query: &str,
        bindings: Vec<SqlValue>,
    ) -> Result<Executed, StorageError> {
        self.exec_bindings(query, Cow::Owned(bindings))
    }

    fn exec_bindings(
        &mut self,
        query: &str,
        bindings: Cow<'_, [SqlValue]>,
    ) -> Result<Executed, StorageError> {
        self.commit_held();
        for b in bindings.iter() {
            b.check_binding()
                .map_err(|m| StorageError::TypeError(m.to_string()))?;
        }
        let opens_batch = !self.filling_has_writes;
        // The block ends the statement's borrow of `conn` before `self` is
        // needed whole again.
        let ran = {
            let (conn, auth, columns) = (&self.conn, &self.auth, &mut self.columns);
            let reads = &mut self.table_reads;
            let batch = FillingBatch {
                conn,
                filling: self.filling,
                filling_has_writes: &mut self.filling_has_writes,
                stack: &mut self.stack,
            };
            let flags = PrepFlags::SQLITE_PREPARE_PERSISTENT;
            let prepare = || auth.user_sql(|| conn.prepare_with_flags(query, flags));
            conn.with_object_sql(query, prepare, |stmt, fresh| {
                if let Some(answer) = fresh.then(|| auth.take_table_read()).flatten() {
                    reads.remember(query, answer);
                }
                let maybe_empty =
                    stmt.readonly() && stmt.column_count() == 0 && stmt.parameter_count() == 0;
                if maybe_empty && stmt.expanded_sql().is_none() {
                    return Err(StorageError::Sqlite(NO_STATEMENT.to_string()));
                }
                let writes = !stmt.readonly();
                if writes {
                    batch.begin_write()?;
                }
                let names = Some((columns, query));
                let reads_table = || reads.of(conn, auth, query);
                let result = auth.user_sql(|| run(conn, stmt, &bindings, true, names, reads_table));
                Ok((result, writes))
            })
        };
        let ran = match ran {
            Ok(Err(e)) => return Err(e),
            Ok(Ok(ran)) => Ok(ran),
            Err(e) => Err(e),
        };
        match ran {
            Err(e) => self.exec_unprepared(query, bindings, e),
            Ok((Ok(mut done), writes)) => {
                done.wrote = writes && !(opens_batch && self.close_unwritten_batch());
                if done.wrote {
                    self.log_sql(query, bindings);
                }
                Ok(done)
            }
            Ok((Err(e), _)) => {
                self.recover_if_sqlite_rolled_back();
                Err(self.run_error(e))
            }
        }
    }

    /// After an `exec` whose statements SQLite calls writing opened the
    /// batch: if they did not even take the write lock (`CREATE TABLE IF
    /// NOT EXISTS` of a table that exists), closes the batch's savepoint
    /// again, so that the event stays one that only read. Returns whether
    /// it did.
    ///
    /// Only the transaction's first batch is judged: its savepoint began
    /// the transaction, so SQLite's write lock (`sqlite3_txn_state`) says
    /// whether these statements may have written, to any schema. (SQLite
    /// takes it for some statements with nothing to do, `CREATE INDEX IF
    /// NOT EXISTS` of an index that exists, say; those keep their batch.)
    /// The pragmas an object may run never open a batch: SQLite calls
    /// them read-only, so the connection settings they change (which no
    /// write lock would show) are not at stake here.
    fn close_unwritten_batch(&mut self) -> bool {
        debug_assert!(self.filling_has_writes, "the exec opened the batch");
        let first = self.stack.opened_by(self.filling) && self.txn_depth == 0;
        if !first {
            return false;
        }
        let state = self.conn.transaction_state::<&str>(None);
        let unwritten = matches!(
            state,
            Ok(rusqlite::TransactionState::None | rusqlite::TransactionState::Read)
        );
        // Should the release fail, the batch simply stays open, as before.
        if !unwritten || self.conn.run(Fixed::ReleaseOutermost).is_err() {
            return false;
        }
        self.stack.clear();
        self.filling_has_writes = false;
        self.check_savepoint_stack();
        true
    }

    /// `query` did not prepare as one statement: several, or an error.
    fn exec_unprepared(
        &mut self,
        query: &str,
        bindings: Cow<'_, [SqlValue]>,
        e: SqliteError,
    ) -> Result<Executed, StorageError> {
        if matches!(e, SqliteError::MultipleStatement) {
            return self.exec_many(query, bindings);
        }
        // rusqlite also fails when a later statement does not prepare yet
        // (`CREATE TABLE t…; INSERT INTO t…`): if the first statement alone
        // prepares, the error was the tail's.
        let first_prepares = self.auth.clone().user_sql(|| {
            rusqlite::Batch::new(&self.conn, query)
                .next()
                .map(|s| s.is_some())
        });
        match first_prepares {
            Ok(true) => self.exec_many(query, bindings),
            Ok(false) => Err(StorageError::Sqlite(NO_STATEMENT.to_string())),
            Err(_) => Err(self.sql_error(&e)),
        }
    }

    /// Several statements: run one by one inside a savepoint of their own.
    fn exec_many(
        &mut self,
        query: &str,
        bindings: Cow<'_, [SqlValue]>,
    ) -> Result<Executed, StorageError> {
        let opens_batch = !self.filling_has_writes;
        self.begin_write()?;
        self.run_cached("SAVEPOINT x")?;
        let auth = self.auth.clone();
        let result = auth.user_sql(|| {
            let mut batch = rusqlite::Batch::new(&self.conn, query);
            let mut last: Option<Executed> = None;
            let mut bound = false;
            while let Some(mut stmt) = batch.next()? {
                // Each statement is prepared afresh, so the authorizer has
                // just seen what it touches.
                let reads_table = auth.take_table_read().unwrap_or(false);
                if bound {
                    // Bindings belong to the last statement; one followed it.
                    return Err(RunError::User(WRONG_BINDINGS));
                }
                let takes = stmt.parameter_count() > 0;
                let done = run(
                    &self.conn,
                    &mut stmt,
                    if takes { &bindings } else { &[] },
                    takes,
                    None,
                    || reads_table,
                )?;
                bound = takes;
                last = Some(done);
            }
            let done = last.ok_or(RunError::User(NO_STATEMENT))?;
            if !bound && !bindings.is_empty() {
                return Err(RunError::User(WRONG_BINDINGS));
            }
            Ok(done)
        });
        match result {
            Ok(mut done) => {
                self.run_cached("RELEASE x")?;
                done.wrote = !(opens_batch && self.close_unwritten_batch());
                if done.wrote {
                    self.log_sql(query, bindings);
                }
                Ok(done)
            }
            Err(e) => {
                self.recover_if_sqlite_rolled_back();
                if self.stack.is_open() {
                    self.run_cached("ROLLBACK TO x")?;
                    self.run_cached("RELEASE x")?;
                }
                Err(self.run_error(e))
            }
        }
    }

    fn run_error(&self, e: RunError) -> StorageError {
        match e {
            RunError::User(text) => StorageError::Sqlite(text.to_string()),
            RunError::Sqlite(e) => self.sql_error(&e),
        }
    }

    fn sql_error(&self, e: &SqliteError) -> StorageError {
        if self.auth.refused_transaction() {
            return StorageError::Sqlite(TRANSACTION_REFUSED.to_string());
        }
        StorageError::Sqlite(describe(e))
    }
}

enum RunError {
    User(&'static str),
    Sqlite(SqliteError),
}

impl From<SqliteError> for RunError {
    fn from(e: SqliteError) -> Self {
        RunError::Sqlite(e)
    }
}

/// Binds and steps one statement to its end, collecting its rows; its
/// column names come from `names` (kept under the given text) if given.
fn run(
    conn: &rusqlite::Connection,
    stmt: &mut Statement<'_>,
    bindings: &[SqlValue],
    takes_bindings: bool,
    names: Option<(&mut ColumnNames, &str)>,
    reads_table: impl FnOnce() -> bool,
) -> Result<Executed, RunError> {
    let expected = if takes_bindings { bindings.len() } else { 0 };
    if stmt.parameter_count() != expected {
        return Err(RunError::User(WRONG_BINDINGS));
    }
    for (i, value) in bindings.iter().enumerate().take(expected) {
        stmt.raw_bind_parameter(i + 1, value)?;
    }
    let changes_before = conn.total_changes();
    let scanned_before = stmt.get_status(rusqlite::StatementStatus::FullscanStep);
    let mut out = Vec::new();
    {
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            // Asked after the step, which re-prepares an expired statement.
            let width = row.as_ref().column_count();
            let mut values = Vec::with_capacity(width);
            for i in 0..width {
                values.push(SqlValue::from_column(row.get_ref(i)?));
            }
            out.push(values);
        }
    }
    // Only now: the first step may have re-prepared the statement after a
    // schema change, with other columns (see `sql_columns.rs`).
    let column_names = match names {
        Some((kept, sql)) => kept.of(sql, stmt),
        None => sql_columns::fresh(stmt),
    };
    let rows_written = conn.total_changes().saturating_sub(changes_before);
    let scanned = stmt.get_status(rusqlite::StatementStatus::FullscanStep) - scanned_before;
    let scanned = u64::try_from(scanned).unwrap_or(0);
    let returned = out.len() as u64;
    let rows_read = if scanned > 0 {
        // A full scan of n rows steps forward n - 1 times.
        returned.max(scanned + 1)
    } else if returned > 0 && reads_table() {
        returned
    } else {
        // Rows made without a table (`SELECT 1`, a pragma) were not read.
        0
    };
    Ok(Executed {
        column_names,
        rows: out,
        rows_read,
        rows_written,
        wrote: false,
    })
}
