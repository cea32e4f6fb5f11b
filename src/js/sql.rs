//! `ctx.storage.sql.exec` for JavaScript: the query runs through the same
//! [`Sql`](crate::Sql) a Rust object uses, and its rows cross to the
//! prelude's cursor at once, with the column names and the read and
//! written row counts.
//!
//! Values cross as JSON: integers and reals as numbers (JavaScript has
//! only one number type; an integer stays an integer binding), text as
//! strings, blobs as `{"blob": [bytes]}`, null as null.

use serde::Deserialize;
use serde_json::Value;

use super::host::{json, parse};
use crate::runtime::{Error, Result, State};
use crate::storage::SqlValue;

#[derive(Deserialize)]
struct Exec {
    query: String,
    bindings: Vec<Value>,
}

/// Runs the query of `args`; the answer is `{columns, rows, rowsRead,
/// rowsWritten}`.
pub(crate) fn exec(state: &State, args: &str) -> Result<String> {
    let a: Exec = parse("sql.exec", args)?;
    let bindings = a
        .bindings
        .iter()
        .map(binding)
        .collect::<Result<Vec<SqlValue>>>()?;
    let cursor = state.storage().sql().exec(&a.query, bindings)?;
    let columns = cursor.column_names().to_vec();
    let (rows_read, rows_written) = (cursor.rows_read(), cursor.rows_written());
    let rows: Vec<Vec<Value>> = cursor
        .raw()
        .map(|row| row.into_iter().map(value).collect())
        .collect();
    json(&serde_json::json!({
        "columns": columns,
        "rows": rows,
        "rowsRead": rows_read,
        "rowsWritten": rows_written,
    }))
}

/// A binding from the prelude's encoding.
fn binding(v: &Value) -> Result<SqlValue> {
    Ok(match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Object(o) => {
            if let Some(real) = o.get("real").and_then(Value::as_f64) {
                SqlValue::Real(real)
            } else if let Some(Value::Array(bytes)) = o.get("blob") {
                SqlValue::Blob(
                    bytes
                        .iter()
                        .map(|b| b.as_u64().unwrap_or(0) as u8)
                        .collect(),
                )
            } else {
                return Err(Error::type_error(
                    "Unsupported type for a SQL binding: object",
                ));
            }
        }
        Value::Array(_) => {
            return Err(Error::type_error(
                "Unsupported type for a SQL binding: array",
            ))
        }
    })
}

/// A column value in the prelude's encoding.
fn value(v: SqlValue) -> Value {
    match v {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) => Value::from(i),
        SqlValue::Real(r) => serde_json::Number::from_f64(r).map_or(Value::Null, Value::Number),
        SqlValue::Text(s) => Value::String(s),
        SqlValue::Blob(b) => serde_json::json!({ "blob": b }),
    }
}
