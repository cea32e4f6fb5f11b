//! `SqlStorage`, `SqlCursor` and `SqlStorageValue`, on dosim's SQL API.
//!
//! `exec` is synchronous, as in workers-rs; the cursor is shared by its
//! clones and each row is read once, whichever method reads it.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use serde::de::DeserializeOwned;

use super::error::{Error, Result};
use super::unmirrored::SqlRawBindings;

/// The largest integer JavaScript represents exactly.
const SAFE_INTEGER_MAX: i64 = (1 << 53) - 1;

/// A value bound to a query or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlStorageValue {
    /// NULL.
    Null,
    /// A boolean (bound as workerd binds a JavaScript boolean).
    Boolean(bool),
    /// An integer, exact within ±2^53.
    Integer(i64),
    /// A double.
    Float(f64),
    /// Text.
    String(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl SqlStorageValue {
    /// An integer; an error outside JavaScript's safe integer range.
    pub fn try_from_i64(value: i64) -> Result<Self> {
        if (-SAFE_INTEGER_MAX..=SAFE_INTEGER_MAX).contains(&value) {
            Ok(SqlStorageValue::Integer(value))
        } else {
            Err(Error::from("Value outside JavaScript safe integer range"))
        }
    }
}

impl From<bool> for SqlStorageValue {
    fn from(value: bool) -> Self {
        SqlStorageValue::Boolean(value)
    }
}

impl From<i32> for SqlStorageValue {
    fn from(value: i32) -> Self {
        SqlStorageValue::Integer(value.into())
    }
}

impl From<i64> for SqlStorageValue {
    fn from(value: i64) -> Self {
        SqlStorageValue::Integer(value)
    }
}

impl From<f64> for SqlStorageValue {
    fn from(value: f64) -> Self {
        SqlStorageValue::Float(value)
    }
}

impl From<String> for SqlStorageValue {
    fn from(value: String) -> Self {
        SqlStorageValue::String(value)
    }
}

impl From<&str> for SqlStorageValue {
    fn from(value: &str) -> Self {
        SqlStorageValue::String(value.to_string())
    }
}

impl From<Vec<u8>> for SqlStorageValue {
    fn from(value: Vec<u8>) -> Self {
        SqlStorageValue::Blob(value)
    }
}

impl<T: Into<SqlStorageValue>> From<Option<T>> for SqlStorageValue {
    fn from(value: Option<T>) -> Self {
        value.map_or(SqlStorageValue::Null, Into::into)
    }
}

impl From<SqlStorageValue> for dosim::SqlValue {
    fn from(value: SqlStorageValue) -> Self {
        match value {
            SqlStorageValue::Null => dosim::SqlValue::Null,
            SqlStorageValue::Boolean(b) => b.into(),
            SqlStorageValue::Integer(i) => dosim::SqlValue::Integer(i),
            SqlStorageValue::Float(f) => dosim::SqlValue::Real(f),
            SqlStorageValue::String(s) => dosim::SqlValue::Text(s),
            SqlStorageValue::Blob(b) => dosim::SqlValue::Blob(b),
        }
    }
}

impl From<dosim::SqlValue> for SqlStorageValue {
    fn from(value: dosim::SqlValue) -> Self {
        match value {
            dosim::SqlValue::Null => SqlStorageValue::Null,
            dosim::SqlValue::Integer(i) => SqlStorageValue::Integer(i),
            dosim::SqlValue::Real(f) => SqlStorageValue::Float(f),
            dosim::SqlValue::Text(s) => SqlStorageValue::String(s),
            dosim::SqlValue::Blob(b) => SqlStorageValue::Blob(b),
        }
    }
}

/// The SQL API of an object's database (`state.storage().sql()`).
#[derive(Clone)]
pub struct SqlStorage(pub(crate) dosim::Sql);

impl std::fmt::Debug for SqlStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqlStorage")
    }
}

impl SqlStorage {
    /// The database's size in bytes (0 if the object's instance has ended).
    pub fn database_size(&self) -> usize {
        self.0.database_size().map_or(0, |n| n as usize)
    }

    /// Runs `query` with `bindings` (`None` or `vec![..]`).
    pub fn exec(
        &self,
        query: &str,
        bindings: impl Into<Option<Vec<SqlStorageValue>>>,
    ) -> Result<SqlCursor> {
        let bindings: Vec<dosim::SqlValue> = bindings
            .into()
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let cursor = self.0.exec(query, bindings)?;
        Ok(SqlCursor(Rc::new(RefCell::new(cursor))))
    }

    /// Not mirrored: takes JS values in workers-rs.
    pub fn exec_raw<'a, B>(&'a self, query: &str, bindings: B) -> Result<SqlCursor>
    where
        &'a (): SqlRawBindings,
    {
        let _ = (query, bindings);
        Err(Error::RustError("not mirrored".into()))
    }
}

/// The rows of one `exec`.
#[derive(Clone)]
pub struct SqlCursor(Rc<RefCell<dosim::Cursor>>);

impl std::fmt::Debug for SqlCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SqlCursor")
            .field(&self.column_names())
            .finish()
    }
}

impl SqlCursor {
    fn next_row(&self) -> Option<dosim::Row> {
        self.0.borrow_mut().next()
    }

    /// The remaining rows, each decoded into `T` by column name.
    pub fn to_array<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        self.next::<T>().collect()
    }

    /// The one remaining row; an error if there is none or more than one.
    pub fn one<T: DeserializeOwned>(&self) -> Result<T> {
        let first = self.next_row().ok_or_else(|| {
            Error::JsError("Expected exactly one result from SQL query, but got no results.".into())
        })?;
        if self.next_row().is_some() {
            return Err(Error::JsError(
                "Expected exactly one result from SQL query, but got multiple results.".into(),
            ));
        }
        Ok(first.decode()?)
    }

    /// The column names, in order.
    pub fn column_names(&self) -> Vec<String> {
        self.0.borrow().column_names().to_vec()
    }

    /// Rows the query read.
    pub fn rows_read(&self) -> usize {
        self.0.borrow().rows_read() as usize
    }

    /// Rows the query wrote.
    pub fn rows_written(&self) -> usize {
        self.0.borrow().rows_written() as usize
    }

    /// The remaining rows, each decoded into `T`.
    pub fn next<T: DeserializeOwned>(&self) -> SqlCursorIterator<T> {
        SqlCursorIterator {
            cursor: self.clone(),
            _row: PhantomData,
        }
    }

    /// The remaining rows as arrays of values, in column order.
    pub fn raw(&self) -> SqlCursorRawIterator {
        SqlCursorRawIterator {
            cursor: self.clone(),
        }
    }
}

/// The rows of a cursor, decoded ([`SqlCursor::next`]).
#[derive(Debug)]
pub struct SqlCursorIterator<T> {
    cursor: SqlCursor,
    _row: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Iterator for SqlCursorIterator<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.cursor.next_row()?;
        Some(row.decode().map_err(Error::from))
    }
}

/// The rows of a cursor as arrays of values ([`SqlCursor::raw`]).
#[derive(Debug)]
pub struct SqlCursorRawIterator {
    cursor: SqlCursor,
}

impl Iterator for SqlCursorRawIterator {
    type Item = Result<Vec<SqlStorageValue>>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.cursor.next_row()?;
        Some(Ok(row.values().iter().cloned().map(Into::into).collect()))
    }
}
