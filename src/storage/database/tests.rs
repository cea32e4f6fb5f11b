//! Tests of `database.rs`: the KV semantics workerd showed (`docs/storage.md`,
//! "KV", with `list`'s ordering and options) and the batch durability
//! invariant.

use super::*;

fn db_with(keys: &[&str]) -> Database {
    let mut db = Database::open().unwrap();
    for key in keys {
        db.put(key, key.as_bytes()).unwrap();
    }
    db
}

fn keys(entries: &[(String, Vec<u8>)]) -> Vec<&str> {
    entries.iter().map(|(key, _)| key.as_str()).collect()
}

fn list_keys(db: &mut Database, opts: ListOptions) -> Vec<String> {
    let entries = db.list(&opts).unwrap();
    keys(&entries).into_iter().map(str::to_owned).collect()
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

// ---- KV API ----

#[test]
fn get_missing_is_none_and_creates_no_table() {
    let mut db = Database::open().unwrap();
    assert_eq!(db.get("nope").unwrap(), None);
    assert_eq!(db.get_many(&["a".into()]).unwrap(), vec![]);
    assert_eq!(db.list(&ListOptions::default()).unwrap(), vec![]);
    assert!(!db.kv_table_in_schema().unwrap());
    assert_eq!(db.close_batch(), None, "reads alone are not a batch");
}

#[test]
fn put_then_get_round_trips_including_empty_and_nul_keys() {
    let mut db = Database::open().unwrap();
    for key in ["", "\0", "a\0b", "\u{10FFFF}"] {
        db.put(key, format!("v{key}").as_bytes()).unwrap();
    }
    db.put("k", b"").unwrap();
    for key in ["", "\0", "a\0b", "\u{10FFFF}"] {
        assert_eq!(db.get(key).unwrap(), Some(format!("v{key}").into_bytes()));
    }
    assert_eq!(db.get("k").unwrap(), Some(vec![]));
    assert_eq!(
        db.get("a").unwrap(),
        None,
        "a NUL must not truncate the key"
    );
    db.put("k", b"again").unwrap();
    assert_eq!(db.get("k").unwrap(), Some(b"again".to_vec()));
}

#[test]
fn get_many_is_sorted_deduplicated_and_skips_missing() {
    let mut db = db_with(&["a", "c", "e", "~", ""]);
    let wanted: Vec<String> = ["e", "a", "missing", "c", "a"].map(String::from).to_vec();
    assert_eq!(keys(&db.get_many(&wanted).unwrap()), ["a", "c", "e"]);
    let wanted: Vec<String> = ["~", "a", ""].map(String::from).to_vec();
    assert_eq!(keys(&db.get_many(&wanted).unwrap()), ["", "a", "~"]);
    assert_eq!(db.get_many(&[]).unwrap(), vec![]);
}

#[test]
fn delete_reports_whether_the_key_existed() {
    let mut db = db_with(&["x"]);
    assert!(db.delete("x").unwrap());
    assert!(!db.delete("x").unwrap());
    assert_eq!(db.get("x").unwrap(), None);
    let mut fresh = Database::open().unwrap();
    assert!(!fresh.delete("never").unwrap());
    assert_eq!(
        fresh.close_batch(),
        Some(1),
        "a delete is a write even when nothing matched"
    );
}

// ---- list ----

const ORDERED: [&str; 11] = [
    "", "\0", "10", "9", "a", "a\0b", "~", "\x7f", "é", "\u{FF61}", "😀",
];

#[test]
fn list_is_in_utf8_byte_order() {
    let mut shuffled = ORDERED;
    shuffled.reverse();
    shuffled.swap(2, 7);
    let mut db = db_with(&shuffled);
    db.put("A", b"").unwrap();
    let mut expected: Vec<String> = ORDERED.map(String::from).to_vec();
    expected.insert(4, "A".into()); // "A" < "a", and after "9"
    assert_eq!(list_keys(&mut db, ListOptions::default()), expected);
    let reversed = list_keys(
        &mut db,
        ListOptions {
            reverse: true,
            ..Default::default()
        },
    );
    expected.reverse();
    assert_eq!(reversed, expected);
}

#[test]
fn list_start_is_inclusive_end_exclusive_start_after_exclusive() {
    let mut db = db_with(&["a", "b", "ba", "c", "z", "é"]);
    let opts = ListOptions {
        start: s("b"),
        end: s("c"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["b", "ba"]);
    let opts = ListOptions {
        start_after: s("b"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["ba", "c", "z", "é"]);
    let opts = ListOptions {
        start_after: s("b"),
        reverse: true,
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["é", "z", "c", "ba"]);
    let opts = ListOptions {
        start_after: s("b"),
        end: s("z"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["ba", "c"]);
}

#[test]
fn list_with_start_at_or_after_end_is_empty() {
    let mut db = db_with(&["a", "b", "c"]);
    for (start, end) in [("b", "a"), ("b", "b")] {
        let opts = ListOptions {
            start: s(start),
            end: s(end),
            ..Default::default()
        };
        assert_eq!(list_keys(&mut db, opts), Vec::<String>::new());
    }
    let opts = ListOptions {
        start_after: s("b"),
        end: s("b"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), Vec::<String>::new());
}

#[test]
fn list_reverse_limit_takes_the_far_end() {
    let mut db = db_with(&["a", "b", "c", "d"]);
    let opts = ListOptions {
        reverse: true,
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["d", "c"]);
    let opts = ListOptions {
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["a", "b"]);
    let opts = ListOptions {
        limit: Some(i64::MAX),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts).len(), 4);
}

#[test]
fn list_prefix_intersects_the_range() {
    let mut db = db_with(&[
        "",
        "a",
        "ab",
        "abc",
        "b",
        "a\u{10FFFF}",
        "\u{10FFFF}",
        "\u{10FFFF}x",
    ]);
    let opts = ListOptions {
        prefix: s("a"),
        reverse: true,
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["a\u{10FFFF}", "abc"]);
    db.delete("a\u{10FFFF}").unwrap();
    let opts = ListOptions {
        prefix: s("a"),
        reverse: true,
        limit: Some(2),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["abc", "ab"]);
    let opts = ListOptions {
        prefix: s("a"),
        start: s("ab"),
        end: s("abc"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["ab"]);
    let opts = ListOptions {
        prefix: s("a"),
        start_after: s("a"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["ab", "abc"]);
    let opts = ListOptions {
        prefix: s("a"),
        start: s("b"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), Vec::<String>::new());
    let opts = ListOptions {
        prefix: s("\u{10FFFF}"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["\u{10FFFF}", "\u{10FFFF}x"]);
    let opts = ListOptions {
        prefix: s(""),
        ..Default::default()
    };
    assert_eq!(
        list_keys(&mut db, opts).len(),
        7,
        "prefix \"\" means everything"
    );
}

#[test]
fn list_prefix_is_case_and_byte_exact() {
    let mut db = db_with(&["A%", "a%", "a_", "ab", "a\0", "é1", "ê"]);
    let opts = ListOptions {
        prefix: s("a%"),
        ..Default::default()
    };
    assert_eq!(
        list_keys(&mut db, opts),
        ["a%"],
        "no LIKE wildcards, no case folding"
    );
    let opts = ListOptions {
        prefix: s("é"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["é1"]);
    let opts = ListOptions {
        prefix: s("a\0"),
        ..Default::default()
    };
    assert_eq!(list_keys(&mut db, opts), ["a\0"]);
}

#[test]
fn list_option_errors_have_workerds_text_and_order() {
    let mut db = Database::open().unwrap();
    for limit in [0, -1] {
        let error = db
            .list(&ListOptions {
                limit: Some(limit),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(error, StorageError::ListLimitNotPositive);
        assert_eq!(error.to_string(), "List limit must be positive.");
    }
    let both = ListOptions {
        start: s("a"),
        start_after: s("a"),
        limit: Some(0),
        ..Default::default()
    };
    let error = db.list(&both).unwrap_err();
    assert_eq!(
        error,
        StorageError::ListStartAndStartAfter,
        "workerd checks start+startAfter first"
    );
    assert_eq!(
        error.to_string(),
        "list() cannot be called with both start and startAfter values."
    );
}

// ---- batches ----

#[test]
fn writes_are_readable_before_confirmation() {
    let mut db = Database::open().unwrap();
    db.put("k", b"1").unwrap();
    assert_eq!(db.get("k").unwrap(), Some(b"1".to_vec()));
    assert_eq!(db.unconfirmed(), 1);
    let id = db.close_batch().unwrap();
    assert_eq!(db.list(&ListOptions::default()).unwrap().len(), 1);
    db.confirm(id);
    assert_eq!(db.unconfirmed(), 0);
    assert!(
        !db.conn.is_autocommit(),
        "all confirmed: the transaction stays open for the next batch to join"
    );
    db.exec("SELECT 1", &[]).unwrap();
    assert!(
        db.conn.is_autocommit(),
        "the object's SQL finds every confirmed batch committed"
    );
    assert_eq!(db.get("k").unwrap(), Some(b"1".to_vec()));
}

/// A transaction held open once every batch in it was confirmed: the next
/// batch joins it, and a crash still loses exactly that batch and keeps
/// the confirmed one, then commits what it kept.
#[test]
fn a_held_transaction_loses_only_its_unconfirmed_batch() {
    let mut db = Database::open().unwrap();
    db.put("a", b"1").unwrap();
    let first = db.close_batch().unwrap();
    db.confirm(first);
    assert!(!db.conn.is_autocommit(), "held open for the next batch");
    db.put("b", b"2").unwrap();
    db.put("a", b"3").unwrap();
    let second = db.close_batch().unwrap();
    assert_eq!(db.lose_unconfirmed(), vec![second]);
    assert_eq!(db.dump().unwrap(), vec![("a".to_string(), b"1".to_vec())]);
    assert!(db.conn.is_autocommit(), "the crash committed what it kept");
}

/// A held transaction commits once its one segment has no room for
/// another batch, so a crash never redoes more than a segment's batches.
#[test]
fn a_held_transaction_commits_once_its_segment_is_full() {
    let mut db = Database::open().unwrap();
    let mut held = 0;
    while !db.conn.is_autocommit() || held == 0 {
        db.put("k", held.to_string().as_bytes()).unwrap();
        let id = db.close_batch().unwrap();
        db.confirm(id);
        held += 1;
        assert!(held <= 32, "a segment holds at most 32 batches");
    }
    assert_eq!(held, 32, "committed when the 32nd batch was confirmed");
}

#[test]
fn crash_loses_exactly_the_unconfirmed_batches_whole() {
    let mut db = Database::open().unwrap();
    db.put("a", b"1").unwrap();
    db.put("b", b"1").unwrap();
    let first = db.close_batch().unwrap();
    db.confirm(first);
    db.put("a", b"2").unwrap();
    db.delete("b").unwrap();
    db.put("c", b"2").unwrap();
    let second = db.close_batch().unwrap();
    db.put("d", b"3").unwrap();
    assert_eq!(db.unconfirmed(), 2);
    assert_eq!(db.lose_unconfirmed(), vec![second, second + 1]);
    assert_eq!(
        db.dump().unwrap(),
        vec![("a".into(), b"1".to_vec()), ("b".into(), b"1".to_vec())]
    );
    assert_eq!(db.unconfirmed(), 0);
    assert!(db.conn.is_autocommit());
}

/// Dozens of batches in flight: the nested savepoints share one name, and
/// a crash still undoes exactly the unconfirmed ones, innermost first,
/// whether the oldest lost one is nested or outermost.
#[test]
fn a_deep_stack_of_batches_loses_exactly_its_unconfirmed_suffix() {
    for confirmed in [0usize, 1, 17, 39] {
        let mut db = Database::open().unwrap();
        let mut ids = Vec::new();
        for n in 0..40 {
            db.put(&format!("k{n:02}"), b"v").unwrap();
            db.put("last", n.to_string().as_bytes()).unwrap();
            ids.push(db.close_batch().unwrap());
        }
        for id in &ids[..confirmed] {
            db.confirm(*id);
        }
        assert_eq!(db.lose_unconfirmed(), ids[confirmed..].to_vec());
        let mut expected: Vec<String> = (0..confirmed).map(|n| format!("k{n:02}")).collect();
        if confirmed > 0 {
            expected.push("last".into());
        }
        expected.sort();
        assert_eq!(keys(&db.dump().unwrap()), expected, "{confirmed} confirmed");
        if confirmed > 0 {
            let last = db.get("last").unwrap().unwrap();
            assert_eq!(last, (confirmed - 1).to_string().as_bytes());
        }
        assert!(
            db.conn.is_autocommit(),
            "the stack is empty after the crash"
        );
        db.put("after", b"x").unwrap();
        let next = db.close_batch().unwrap();
        db.confirm(next);
        assert!(
            !db.conn.is_autocommit(),
            "the next batch, confirmed, holds a transaction of its own open"
        );
        assert_eq!(db.lose_unconfirmed(), Vec::<BatchId>::new());
        assert_eq!(db.get("after").unwrap(), Some(b"x".to_vec()));
    }
}

#[test]
fn pipelined_batches_survive_up_to_the_last_confirmed() {
    let mut db = Database::open().unwrap();
    db.put("one", b"").unwrap();
    let b1 = db.close_batch().unwrap();
    db.put("two", b"").unwrap();
    let b2 = db.close_batch().unwrap();
    db.put("three", b"").unwrap();
    assert_eq!((b1, b2, db.unconfirmed()), (1, 2, 3));
    db.confirm(b1);
    assert_eq!(db.unconfirmed(), 2);
    assert!(
        !db.conn.is_autocommit(),
        "batch 1 waits as a savepoint under batch 2"
    );
    assert_eq!(db.lose_unconfirmed(), vec![2, 3]);
    assert_eq!(keys(&db.dump().unwrap()), ["one"]);
}

#[test]
fn crash_that_loses_the_first_batch_drops_the_table_it_created() {
    let mut db = Database::open().unwrap();
    db.put("k", b"").unwrap();
    assert_eq!(db.lose_unconfirmed(), vec![1]);
    assert!(!db.kv_table_in_schema().unwrap());
    assert_eq!(db.get("k").unwrap(), None);
    assert_eq!(db.dump().unwrap(), vec![]);
    db.put("k", b"again").unwrap();
    assert_eq!(db.get("k").unwrap(), Some(b"again".to_vec()));
}

#[test]
fn crash_with_nothing_pending_is_a_no_op() {
    let mut db = db_with(&["k"]);
    let id = db.close_batch().unwrap();
    db.confirm(id);
    db.get("k").unwrap();
    assert_eq!(db.lose_unconfirmed(), Vec::<BatchId>::new());
    assert_eq!(db.lose_unconfirmed(), Vec::<BatchId>::new());
    assert_eq!(keys(&db.dump().unwrap()), ["k"]);
    assert_eq!(db.close_batch(), None);
}

#[test]
fn after_a_crash_writes_and_batch_ids_carry_on() {
    let mut db = Database::open().unwrap();
    db.put("a", b"").unwrap();
    let b1 = db.close_batch().unwrap();
    db.put("b", b"").unwrap();
    assert_eq!(db.lose_unconfirmed(), vec![1, 2]);
    db.put("c", b"").unwrap();
    let b3 = db.close_batch().unwrap();
    assert_eq!((b1, b3), (1, 3), "a lost batch's id is never reused");
    db.confirm(b3);
    db.put("d", b"").unwrap();
    assert_eq!(db.lose_unconfirmed(), vec![4]);
    assert_eq!(keys(&db.dump().unwrap()), ["c"]);
}

#[test]
fn a_batch_that_only_reads_is_not_a_batch() {
    let mut db = db_with(&["k"]);
    assert_eq!(db.close_batch(), Some(1));
    db.get("k").unwrap();
    db.list(&ListOptions::default()).unwrap();
    assert_eq!(db.close_batch(), None);
    db.put("k2", b"").unwrap();
    assert_eq!(db.close_batch(), Some(2));
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "invariant batch-confirm-order")]
fn confirming_out_of_order_is_an_invariant_violation() {
    let mut db = db_with(&["a"]);
    db.close_batch();
    db.put("b", b"").unwrap();
    db.close_batch();
    db.confirm(2);
}

/// A model of the store (what a crash keeps, what reads see) checked against
/// the database over random operations; xorshift so no extra dependency.
#[test]
fn random_operations_match_a_model() {
    use std::collections::BTreeMap;
    type Map = BTreeMap<String, Vec<u8>>;
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |bound: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % bound
    };
    let key_space = ["", "a", "ab", "b", "é", "\0", "zz"];
    let mut db = Database::open().unwrap();
    let mut durable = Map::new(); // what a crash must leave
    let mut batches: Vec<(BatchId, Map)> = Vec::new(); // closed, unconfirmed: state after each
    let mut live = Map::new();
    for step in 0..2000u64 {
        let key = key_space[next(key_space.len() as u64) as usize];
        match next(10) {
            0..=2 => {
                let value = step.to_le_bytes().to_vec();
                db.put(key, &value).unwrap();
                live.insert(key.to_owned(), value);
            }
            3 => assert_eq!(db.delete(key).unwrap(), live.remove(key).is_some()),
            4 | 5 => {
                if let Some(id) = db.close_batch() {
                    batches.push((id, live.clone()));
                }
            }
            6 | 7 => {
                if !batches.is_empty() {
                    let (id, after) = batches.remove(0);
                    db.confirm(id);
                    durable = after;
                }
            }
            8 => {
                let lost = db.lose_unconfirmed();
                assert!(lost.len() >= batches.len());
                batches.clear();
                live = durable.clone();
            }
            _ => assert_eq!(db.get(key).unwrap(), live.get(key).cloned()),
        }
        let expected: Vec<(String, Vec<u8>)> = live.clone().into_iter().collect();
        assert_eq!(db.dump().unwrap(), expected, "step {step}");
    }
}

/// SQLITE_FULL inside the savepoint stack rolls back the whole transaction,
/// held confirmed batches included: a hazard for whoever caps the database
/// size with `PRAGMA max_page_count`. The module must notice, not go on
/// autocommitting.
#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "invariant batch-savepoint-stack")]
fn sqlite_rolling_back_the_whole_transaction_is_caught() {
    let mut db = db_with(&["a"]);
    let first = db.close_batch().unwrap();
    db.put("b", b"").unwrap();
    db.close_batch().unwrap();
    db.confirm(first);
    db.conn.execute_batch("PRAGMA max_page_count = 8").unwrap();
    let _ = db.put("big", &vec![0; 1 << 20]);
}

#[test]
#[cfg(not(debug_assertions))]
fn sqlite_rolling_back_the_whole_transaction_leaves_usable_bookkeeping() {
    let mut db = db_with(&["a"]);
    db.close_batch().unwrap();
    db.conn.execute_batch("PRAGMA max_page_count = 8").unwrap();
    let error = db.put("big", &vec![0; 1 << 20]).unwrap_err();
    assert_eq!(
        error,
        StorageError::Sqlite("database or disk is full: SQLITE_FULL".into())
    );
    assert_eq!(db.unconfirmed(), 0);
    db.put("c", b"").unwrap();
    assert_eq!(db.unconfirmed(), 1);
    assert_eq!(db.lose_unconfirmed(), vec![3]);
    assert_eq!(db.dump().unwrap(), vec![]);
}
