use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{decode_row, has_duplicate_names};
use crate::storage::sql_value::SqlValue;

fn decode<T: DeserializeOwned>(columns: &[&str], values: Vec<SqlValue>) -> Result<T, String> {
    let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    let duplicates = has_duplicate_names(&columns);
    decode_row(&columns, &values, duplicates).map_err(|e| e.to_string())
}

fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_string())
}

#[derive(Debug, Deserialize, PartialEq)]
struct User {
    id: i64,
    name: String,
    score: f64,
}

#[test]
fn a_struct_is_filled_by_column_name_in_any_order() {
    let user: User = decode(
        &["name", "score", "id"],
        vec![text("ada"), SqlValue::Real(1.5), SqlValue::Integer(7)],
    )
    .unwrap();
    assert_eq!(
        user,
        User {
            id: 7,
            name: "ada".into(),
            score: 1.5
        }
    );
}

#[test]
fn an_integer_column_fills_a_float_field_and_narrower_integers() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Narrow {
        score: f64,
        small: u8,
        negative: i16,
    }
    let row: Narrow = decode(
        &["score", "small", "negative"],
        vec![
            SqlValue::Integer(3),
            SqlValue::Integer(200),
            SqlValue::Integer(-5),
        ],
    )
    .unwrap();
    assert_eq!(
        row,
        Narrow {
            score: 3.0,
            small: 200,
            negative: -5
        }
    );
    let err = decode::<Narrow>(
        &["score", "small", "negative"],
        vec![
            SqlValue::Integer(3),
            SqlValue::Integer(300),
            SqlValue::Integer(-5),
        ],
    )
    .unwrap_err();
    assert!(err.contains("column \"small\""), "{err}");
}

#[test]
fn a_tuple_is_filled_by_position() {
    let row: (i64, String, Option<f64>) = decode(
        &["a", "a", "c"],
        vec![SqlValue::Integer(1), text("x"), SqlValue::Null],
    )
    .unwrap();
    assert_eq!(row, (1, "x".to_string(), None));
}

#[test]
fn a_tuple_must_take_every_column() {
    let err = decode::<(i64,)>(
        &["a", "b"],
        vec![SqlValue::Integer(1), SqlValue::Integer(2)],
    )
    .unwrap_err();
    assert!(err.contains("fewer elements"), "{err}");
    let err = decode::<(i64, i64, i64)>(
        &["a", "b"],
        vec![SqlValue::Integer(1), SqlValue::Integer(2)],
    )
    .unwrap_err();
    assert!(err.contains("invalid length 2"), "{err}");
}

#[test]
fn a_vec_of_values_is_filled_by_position() {
    let row: Vec<SqlValue> = decode(&["a", "b"], vec![SqlValue::Integer(1), text("x")]).unwrap();
    assert_eq!(row, vec![SqlValue::Integer(1), text("x")]);
}

#[test]
fn option_fields_are_none_for_null_and_some_otherwise() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Maybe {
        a: Option<i64>,
        b: Option<String>,
        #[serde(default)]
        absent: Option<i64>,
    }
    let row: Maybe = decode(&["a", "b"], vec![SqlValue::Null, text("x")]).unwrap();
    assert_eq!(
        row,
        Maybe {
            a: None,
            b: Some("x".into()),
            absent: None
        }
    );
}

#[test]
fn a_blob_fills_a_vec_of_bytes() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct File {
        data: Vec<u8>,
    }
    let row: File = decode(&["data"], vec![SqlValue::Blob(vec![0, 1, 255])]).unwrap();
    assert_eq!(row.data, [0, 1, 255]);
    let (empty,): (Vec<u8>,) = decode(&["data"], vec![SqlValue::Blob(vec![])]).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn a_map_takes_the_last_value_of_a_repeated_name() {
    let row: BTreeMap<String, SqlValue> = decode(
        &["a", "b", "a"],
        vec![
            SqlValue::Integer(1),
            SqlValue::Integer(2),
            SqlValue::Integer(3),
        ],
    )
    .unwrap();
    let expected = BTreeMap::from([
        ("a".to_string(), SqlValue::Integer(3)),
        ("b".to_string(), SqlValue::Integer(2)),
    ]);
    assert_eq!(row, expected);
    #[derive(Debug, Deserialize, PartialEq)]
    struct A {
        a: i64,
    }
    let row: A = decode(
        &["a", "a"],
        vec![SqlValue::Integer(1), SqlValue::Integer(2)],
    )
    .unwrap();
    assert_eq!(row, A { a: 2 });
}

#[test]
fn a_json_value_sees_the_row_as_an_object() {
    let row: serde_json::Value = decode(
        &["n", "t", "b", "z"],
        vec![
            SqlValue::Integer(-1),
            text("x"),
            SqlValue::Blob(vec![7]),
            SqlValue::Null,
        ],
    )
    .unwrap();
    assert_eq!(
        row,
        serde_json::json!({"n": -1, "t": "x", "b": [7], "z": null})
    );
}

#[test]
fn text_names_a_unit_variant() {
    #[derive(Debug, Deserialize, PartialEq)]
    enum Colour {
        Red,
        Blue,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct Paint {
        colour: Colour,
    }
    let row: Paint = decode(&["colour"], vec![text("Blue")]).unwrap();
    assert_eq!(row.colour, Colour::Blue);
    let err = decode::<Paint>(&["colour"], vec![text("Green")]).unwrap_err();
    assert!(
        err.contains("column \"colour\"") && err.contains("Green"),
        "{err}"
    );
    let _ = Colour::Red;
}

#[test]
fn a_type_mismatch_names_the_column() {
    let err = decode::<User>(
        &["id", "name", "score"],
        vec![text("seven"), text("ada"), SqlValue::Real(1.0)],
    )
    .unwrap_err();
    assert!(
        err.contains("column \"id\"") && err.contains("invalid type: string \"seven\""),
        "{err}"
    );
    let err =
        decode::<(i64, i64)>(&["a", "b"], vec![SqlValue::Integer(1), SqlValue::Null]).unwrap_err();
    assert!(
        err.contains("column \"b\"") && err.contains("null"),
        "{err}"
    );
}

#[test]
fn a_missing_column_is_a_missing_field() {
    let err = decode::<User>(&["id", "name"], vec![SqlValue::Integer(1), text("ada")]).unwrap_err();
    assert!(err.contains("missing field `score`"), "{err}");
}

#[test]
fn an_untagged_enum_may_take_the_values_in_order() {
    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(untagged)]
    enum Pair {
        Both(i64, String),
    }
    let row: Pair = decode(&["a", "b"], vec![SqlValue::Integer(1), text("x")]).unwrap();
    assert_eq!(row, Pair::Both(1, "x".into()));
}
