//! Values that cross the SQL API: what a binding may be and what a row holds.
//!
//! The real runtime hands SQL values to JavaScript, where every number is a
//! double. dosim keeps that observable behaviour so code that works in dosim
//! works in production: an integer read back beyond ±2^53 is rounded as a
//! JavaScript number would round it, and binding such an integer fails as
//! binding a BigInt does. Booleans bind as the text `"true"` / `"false"`,
//! as workerd binds them (`docs/storage.md`, the SQL table's "values" row).

use rusqlite::types::{FromSql, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::ToSql;
use serde::{Deserialize, Serialize};

/// The largest integer a JavaScript number holds exactly (2^53).
pub const SAFE_INTEGER_MAX: i64 = 1 << 53;

/// One SQL value: a binding or a column of a result row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SqlValue {
    /// SQL NULL (also what an unset binding is).
    Null,
    /// A 64-bit integer; exact only within ±2^53, as in the real runtime.
    Integer(i64),
    /// A double.
    Real(f64),
    /// UTF-8 text.
    Text(String),
    /// Bytes (an `ArrayBuffer` in the real runtime).
    Blob(Vec<u8>),
}

impl SqlValue {
    /// The value as a column of a row returned to the object: integers
    /// beyond ±2^53 lose precision exactly as a JavaScript number does.
    pub(crate) fn from_column(value: ValueRef<'_>) -> SqlValue {
        match value {
            ValueRef::Null => SqlValue::Null,
            ValueRef::Integer(i) if i.abs() > SAFE_INTEGER_MAX => {
                SqlValue::Integer(i as f64 as i64)
            }
            ValueRef::Integer(i) => SqlValue::Integer(i),
            ValueRef::Real(f) => SqlValue::Real(f),
            ValueRef::Text(t) => SqlValue::Text(match std::str::from_utf8(t) {
                Ok(text) => text.to_owned(),
                // SQLite does not check the text it stores.
                Err(_) => String::from_utf8_lossy(t).into_owned(),
            }),
            ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
        }
    }

    /// Checks a binding the way the real runtime's JavaScript conversion
    /// would; the error text is V8's.
    pub(crate) fn check_binding(&self) -> Result<(), &'static str> {
        match self {
            SqlValue::Integer(i) if i.abs() > SAFE_INTEGER_MAX => {
                Err("Cannot convert a BigInt value to a number")
            }
            _ => Ok(()),
        }
    }
}

impl ToSql for SqlValue {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            SqlValue::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            SqlValue::Integer(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            SqlValue::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            SqlValue::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            SqlValue::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl FromSql for SqlValue {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        Ok(SqlValue::from_column(value))
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for SqlValue {
            fn from(v: $t) -> Self { SqlValue::Integer(i64::from(v)) }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, u8, u16, u32);

impl From<u64> for SqlValue {
    /// Values beyond `i64::MAX` bind as a (rounded) double, as JavaScript
    /// would hold them.
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or(SqlValue::Real(v as f64), SqlValue::Integer)
    }
}

impl From<usize> for SqlValue {
    fn from(v: usize) -> Self {
        SqlValue::from(v as u64)
    }
}

impl From<f64> for SqlValue {
    fn from(v: f64) -> Self {
        SqlValue::Real(v)
    }
}

impl From<f32> for SqlValue {
    fn from(v: f32) -> Self {
        SqlValue::Real(f64::from(v))
    }
}

impl From<bool> for SqlValue {
    /// As workerd binds a JavaScript boolean: as text.
    fn from(v: bool) -> Self {
        SqlValue::Text(if v { "true" } else { "false" }.to_string())
    }
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_string())
    }
}

impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}

impl From<&String> for SqlValue {
    fn from(v: &String) -> Self {
        SqlValue::Text(v.clone())
    }
}

impl From<Vec<u8>> for SqlValue {
    fn from(v: Vec<u8>) -> Self {
        SqlValue::Blob(v)
    }
}

impl From<&[u8]> for SqlValue {
    fn from(v: &[u8]) -> Self {
        SqlValue::Blob(v.to_vec())
    }
}

impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(SqlValue::Null, Into::into)
    }
}

/// What [`exec`](crate::Sql::exec) accepts as its bindings: `()`, a tuple of
/// up to eight values, an array, a slice or a `Vec` of [`SqlValue`].
pub trait Bindings {
    /// The bindings, in order.
    fn into_values(self) -> Vec<SqlValue>;
}

impl Bindings for Vec<SqlValue> {
    fn into_values(self) -> Vec<SqlValue> {
        self
    }
}

impl Bindings for &[SqlValue] {
    fn into_values(self) -> Vec<SqlValue> {
        self.to_vec()
    }
}

impl<const N: usize> Bindings for [SqlValue; N] {
    fn into_values(self) -> Vec<SqlValue> {
        self.into()
    }
}

macro_rules! tuple_bindings {
    ($($name:ident),*) => {
        impl<$($name: Into<SqlValue>),*> Bindings for ($($name,)*) {
            #[allow(non_snake_case, clippy::unused_unit)]
            fn into_values(self) -> Vec<SqlValue> {
                let ($($name,)*) = self;
                vec![$($name.into()),*]
            }
        }
    };
}
tuple_bindings!();
tuple_bindings!(A);
tuple_bindings!(A, B);
tuple_bindings!(A, B, C);
tuple_bindings!(A, B, C, D);
tuple_bindings!(A, B, C, D, E);
tuple_bindings!(A, B, C, D, E, F);
tuple_bindings!(A, B, C, D, E, F, G);
tuple_bindings!(A, B, C, D, E, F, G, H);
