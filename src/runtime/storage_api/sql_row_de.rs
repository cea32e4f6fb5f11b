//! Decoding one result row into the object's own type, straight from the
//! column names and values (no JSON in between).
//!
//! The shapes follow the JavaScript view of a row, with one addition for
//! Rust tuples:
//! - a struct or a map is filled by column name; a name that occurs twice
//!   keeps its last value, as a JavaScript object built from the row would;
//! - a tuple or a sequence is filled by position, and must take every
//!   column;
//! - any other type is tried by name first and then by position.
//!
//! Each value decodes as JSON would have carried it: NULL is unit or `None`,
//! an integer any integer type it fits (or a float), a real a float, text a
//! string (or a unit enum variant), a blob bytes or a sequence of `u8`.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use crate::storage::sql_value::SqlValue;

/// Why a row did not decode; names the column when one value was at fault.
#[derive(Debug)]
pub(crate) struct RowError(String);

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RowError {}

impl de::Error for RowError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        RowError(msg.to_string())
    }

    // SQL's word for a missing value, as serde_json said it.
    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        match unexp {
            de::Unexpected::Unit => RowError(format!("invalid type: null, expected {exp}")),
            _ => RowError(format!("invalid type: {unexp}, expected {exp}")),
        }
    }
}

impl RowError {
    fn in_column(self, name: &str) -> RowError {
        RowError(format!("column {name:?}: {}", self.0))
    }
}

/// Whether some column name occurs more than once (then decoding by name
/// skips all but the last occurrence).
pub(crate) fn has_duplicate_names(columns: &[String]) -> bool {
    columns
        .iter()
        .enumerate()
        .any(|(i, name)| columns[i + 1..].contains(name))
}

/// `values` (one per column of `columns`) decoded into `T`: by name, or
/// else by position. `duplicates` is [`has_duplicate_names`] of `columns`.
pub(crate) fn decode_row<T: DeserializeOwned>(
    columns: &[String],
    values: &[SqlValue],
    duplicates: bool,
) -> Result<T, RowError> {
    debug_assert_eq!(
        columns.len(),
        values.len(),
        "invariant row-width: a row has one value per column"
    );
    let row = |positional| RowDe {
        columns,
        values,
        duplicates,
        positional,
    };
    match T::deserialize(row(false)) {
        Ok(v) => Ok(v),
        // A type that asked for "anything" and refused a map may take the
        // values in order; if it does not, the by-name error says more.
        Err(by_name) => T::deserialize(row(true)).map_err(|_| by_name),
    }
}

/// The row as a whole.
#[derive(Clone, Copy)]
struct RowDe<'de> {
    columns: &'de [String],
    values: &'de [SqlValue],
    duplicates: bool,
    positional: bool,
}

impl<'de> RowDe<'de> {
    fn visit_by_name<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        let mut map = ColumnsByName {
            row: self,
            next: 0,
            value: None,
        };
        let v = visitor.visit_map(&mut map)?;
        match map.remaining() {
            0 => Ok(v),
            _ => Err(de::Error::invalid_length(
                self.values.len(),
                &"fewer elements in map",
            )),
        }
    }

    fn visit_by_position<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        let mut seq = ColumnsByPosition { row: self, next: 0 };
        let v = visitor.visit_seq(&mut seq)?;
        match self.values.len() - seq.next {
            0 => Ok(v),
            _ => Err(de::Error::invalid_length(
                self.values.len(),
                &"fewer elements in array",
            )),
        }
    }
}

impl<'de> de::Deserializer<'de> for RowDe<'de> {
    type Error = RowError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        if self.positional {
            self.visit_by_position(visitor)
        } else {
            self.visit_by_name(visitor)
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        self.visit_by_name(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.visit_by_name(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        self.visit_by_position(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.visit_by_position(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        self.visit_by_position(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct enum identifier ignored_any
    }
}

/// The columns as a map from name to value, each name once (its last
/// occurrence), in column order.
struct ColumnsByName<'de> {
    row: RowDe<'de>,
    next: usize,
    // The column whose key was just given out.
    value: Option<usize>,
}

impl ColumnsByName<'_> {
    /// Whether column `i` is the last one of its name.
    fn is_visible(&self, i: usize) -> bool {
        let columns = self.row.columns;
        !self.row.duplicates || !columns[i + 1..].contains(&columns[i])
    }

    fn remaining(&self) -> usize {
        (self.next..self.row.values.len())
            .filter(|&i| self.is_visible(i))
            .count()
    }
}

impl<'de> de::MapAccess<'de> for ColumnsByName<'de> {
    type Error = RowError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, RowError> {
        while self.next < self.row.values.len() && !self.is_visible(self.next) {
            self.next += 1;
        }
        let Some(name) = self.row.columns.get(self.next) else {
            return Ok(None);
        };
        self.value = Some(self.next);
        self.next += 1;
        seed.deserialize(BorrowedStrDeserializer::new(name))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, RowError> {
        let i = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value asked for before its column name"))?;
        seed.deserialize(ValueDe(&self.row.values[i]))
            .map_err(|e| e.in_column(&self.row.columns[i]))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.row.values.len() - self.next)
    }
}

/// The columns as a sequence of values, in column order.
struct ColumnsByPosition<'de> {
    row: RowDe<'de>,
    next: usize,
}

impl<'de> de::SeqAccess<'de> for ColumnsByPosition<'de> {
    type Error = RowError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, RowError> {
        let i = self.next;
        let Some(value) = self.row.values.get(i) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(ValueDe(value))
            .map(Some)
            .map_err(|e| e.in_column(&self.row.columns[i]))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.row.values.len() - self.next)
    }
}

/// One column's value.
struct ValueDe<'de>(&'de SqlValue);

impl<'de> de::Deserializer<'de> for ValueDe<'de> {
    type Error = RowError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.0 {
            SqlValue::Null => visitor.visit_unit(),
            // As a JSON number would: non-negative integers as unsigned.
            SqlValue::Integer(i) => match u64::try_from(*i) {
                Ok(u) => visitor.visit_u64(u),
                Err(_) => visitor.visit_i64(*i),
            },
            SqlValue::Real(f) => visitor.visit_f64(*f),
            SqlValue::Text(s) => visitor.visit_borrowed_str(s),
            SqlValue::Blob(b) => {
                let mut bytes = SeqDeserializer::<_, RowError>::new(b.iter().copied());
                let v = visitor.visit_seq(&mut bytes)?;
                bytes.end()?;
                Ok(v)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.0 {
            SqlValue::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        match self.0 {
            SqlValue::Blob(b) => visitor.visit_borrowed_bytes(b),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, RowError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, RowError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, RowError> {
        match self.0 {
            // A unit variant, named by the text.
            SqlValue::Text(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => self.deserialize_any(visitor),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests;
