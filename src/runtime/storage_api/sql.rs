//! `Sql`: the object's SQLite database, as its code sees it.
//!
//! `exec` is synchronous, as in the real runtime: it needs no await, so it
//! never opens the input gate, and a writing statement joins the event's
//! write batch together with its KV writes. The statement is fenced by the
//! instance's epoch and recorded in the trace like any storage operation.

use std::rc::Rc;

use serde::de::DeserializeOwned;

use super::sql_row_de::{decode_row, has_duplicate_names};
use super::{access_error, Storage};
use crate::runtime::error::{Error, Result};
use crate::storage::database::Executed;
use crate::storage::sql_value::{Bindings, SqlValue};
use crate::trace::StorageOp;

/// The object's SQL database: `state.storage().sql()`.
#[derive(Clone)]
pub struct Sql {
    storage: Storage,
}

impl Sql {
    pub(crate) fn new(storage: Storage) -> Sql {
        Sql { storage }
    }

    /// Runs `query` — one statement, or several separated by `;` — with
    /// `bindings` for the last statement's `?` parameters, and returns a
    /// cursor over the last statement's rows.
    ///
    /// Errors carry workerd's texts: SQLite's message with its code
    /// (`no such table: t: SQLITE_ERROR`), "Wrong number of parameter
    /// bindings for SQL query.", the refusal of `BEGIN`/`SAVEPOINT`, and
    /// `not authorized: SQLITE_AUTH` for the reserved `_cf_` tables.
    ///
    /// ```no_run
    /// # fn f(state: &dosim::State) -> dosim::Result<()> {
    /// let sql = state.storage().sql();
    /// sql.exec("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, name TEXT)", ())?;
    /// sql.exec("INSERT INTO users (name) VALUES (?)", ("ada",))?;
    /// #[derive(serde::Deserialize)]
    /// struct User { id: i64, name: String }
    /// let ada: User = sql.exec("SELECT id, name FROM users WHERE name = ?", ("ada",))?.one()?;
    /// # let _ = (ada.id, ada.name);
    /// # Ok(()) }
    /// ```
    pub fn exec(&self, query: &str, bindings: impl Bindings) -> Result<Cursor> {
        let bindings = bindings.into_values();
        let op = self.storage.begin(StorageOp::Sql)?;
        let done = op
            .inst
            .storage
            .exec(op.inst.epoch, query, bindings)
            .map_err(access_error)?;
        Ok(Cursor::new(done))
    }

    /// Bytes the database occupies (pages in use × page size).
    pub fn database_size(&self) -> Result<u64> {
        let op = self.storage.begin(StorageOp::Sql)?;
        op.inst
            .storage
            .database_size(op.inst.epoch)
            .map_err(access_error)
    }
}

/// The rows of one `exec`: iterate it for [`Row`]s, or take them all at
/// once with [`Cursor::to_array`], [`Cursor::one`] or [`Cursor::raw`].
///
/// dosim reads the rows eagerly; the real cursor steps lazily, which only
/// shows to code that keeps a cursor across an await.
#[derive(Clone, Debug)]
pub struct Cursor {
    columns: Rc<[String]>,
    duplicates: bool,
    rows: std::vec::IntoIter<Vec<SqlValue>>,
    rows_read: u64,
    rows_written: u64,
}

impl Cursor {
    pub(crate) fn new(done: Executed) -> Cursor {
        Cursor {
            duplicates: has_duplicate_names(&done.column_names),
            columns: done.column_names,
            rows: done.rows.into_iter(),
            rows_read: done.rows_read,
            rows_written: done.rows_written,
        }
    }

    /// The column names, in order (a name given twice appears twice).
    pub fn column_names(&self) -> &[String] {
        &self.columns
    }

    /// Rows the query's last statement read from tables (see
    /// `docs/storage.md` for how exact).
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Rows the query's last statement wrote.
    pub fn rows_written(&self) -> u64 {
        self.rows_written
    }

    /// The remaining rows, each decoded into `T` by column name.
    pub fn to_array<T: DeserializeOwned>(self) -> Result<Vec<T>> {
        self.map(|row| row.decode()).collect()
    }

    /// The one remaining row, decoded into `T`; an error if there is none
    /// or more than one (workerd's texts).
    pub fn one<T: DeserializeOwned>(mut self) -> Result<T> {
        let first = self.rows.next().ok_or_else(|| {
            Error::new("Expected exactly one result from SQL query, but got no results.")
        })?;
        if self.rows.next().is_some() {
            return Err(Error::new(
                "Expected exactly one result from SQL query, but got multiple results.",
            ));
        }
        // Decoded in place: a `Row` would only share the column names.
        decode(&self.columns, &first, self.duplicates)
    }

    /// The remaining rows as arrays of values, in column order.
    pub fn raw(self) -> impl Iterator<Item = Vec<SqlValue>> {
        self.rows
    }
}

impl Iterator for Cursor {
    type Item = Row;

    fn next(&mut self) -> Option<Row> {
        let values = self.rows.next()?;
        Some(Row {
            columns: self.columns.clone(),
            duplicates: self.duplicates,
            values,
        })
    }
}

/// One row of a [`Cursor`].
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    columns: Rc<[String]>,
    // Whether a column name repeats (see `sql_row_de.rs`).
    duplicates: bool,
    values: Vec<SqlValue>,
}

impl Row {
    /// The value of `column`; of its last occurrence if the name repeats
    /// (as a JavaScript object built from the row would keep it).
    pub fn get(&self, column: &str) -> Option<&SqlValue> {
        let i = self.columns.iter().rposition(|c| c == column)?;
        self.values.get(i)
    }

    /// The values, in column order.
    pub fn values(&self) -> &[SqlValue] {
        &self.values
    }

    /// The row decoded into `T`: by column name (a struct with one field
    /// per column, or a map), or else by position (a tuple).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        decode(&self.columns, &self.values, self.duplicates)
    }
}

/// One row's `values` decoded into `T` (see [`Row::decode`]).
fn decode<T: DeserializeOwned>(
    columns: &[String],
    values: &[SqlValue],
    duplicates: bool,
) -> Result<T> {
    decode_row(columns, values, duplicates).map_err(|e| {
        Error::type_error(format!(
            "a row with columns {columns:?} could not be deserialized as {}: {e}",
            std::any::type_name::<T>()
        ))
    })
}
