//! Tests of `savepoint_stack.rs`: batches that share a savepoint are
//! undone and redone so exactly that the database a crash leaves is the
//! one that never saw the lost batches, page for page; and a batch that
//! ran SQL is never redone.

use super::savepoint_stack::SEGMENT_BATCHES_MAX;
use super::*;
use crate::storage::sql_value::SqlValue;

/// Batch `n` of a deterministic mix of every write a crash may redo: puts
/// (some large enough to split pages), deletes, the alarm and, once,
/// `delete_all`.
fn write_batch(db: &mut Database, n: u64) -> BatchId {
    db.put(&format!("k{}", n % 11), &n.to_le_bytes()).unwrap();
    if n % 3 == 0 {
        db.put(&format!("big{}", n % 5), &vec![n as u8; 900])
            .unwrap();
    }
    if n % 4 == 0 {
        db.delete(&format!("k{}", (n * 7) % 11)).unwrap();
    }
    if n % 5 == 0 {
        db.set_alarm(Some(n as i64)).unwrap();
    }
    if n == 23 {
        db.delete_all(n % 2 == 0).unwrap();
    }
    db.close_batch().unwrap()
}

/// A database whose first batch is confirmed and committed, so that
/// two of them start from the same pages (an empty file has none).
fn started() -> Database {
    let mut db = Database::open().unwrap();
    db.put("base", b"").unwrap();
    let id = db.close_batch().unwrap();
    db.confirm(id);
    db
}

fn pragma(db: &Database, name: &str) -> i64 {
    db.conn
        .query_row(&format!("PRAGMA {name}"), [], |row| row.get(0))
        .unwrap()
}

/// What a database holds, logically and physically.
#[derive(Debug, PartialEq)]
struct State {
    entries: Vec<(String, Vec<u8>)>,
    alarm: Option<i64>,
    pages: i64,
    free_pages: i64,
}

fn state(db: &mut Database) -> State {
    let check: String = db
        .conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    State {
        entries: db.dump().unwrap(),
        alarm: db.alarm().unwrap(),
        pages: pragma(db, "page_count"),
        free_pages: pragma(db, "freelist_count"),
    }
}

#[test]
fn a_crash_leaves_the_database_that_never_saw_the_lost_batches() {
    let total = 3 * SEGMENT_BATCHES_MAX + 5;
    for confirmed in [
        0,
        1,
        9,
        SEGMENT_BATCHES_MAX - 1,
        SEGMENT_BATCHES_MAX,
        70,
        total - 1,
    ] {
        let mut crashed = started();
        let ids: Vec<BatchId> = (0..total).map(|n| write_batch(&mut crashed, n)).collect();
        for id in &ids[..confirmed as usize] {
            crashed.confirm(*id);
        }
        assert_eq!(
            crashed.lose_unconfirmed(),
            ids[confirmed as usize..].to_vec()
        );
        assert!(crashed.conn.is_autocommit(), "the crash commits the rest");

        let mut never = started();
        let kept: Vec<BatchId> = (0..confirmed).map(|n| write_batch(&mut never, n)).collect();
        for id in kept {
            never.confirm(id);
        }
        assert_eq!(
            state(&mut crashed),
            state(&mut never),
            "{confirmed} of {total} batches confirmed"
        );
    }
}

#[test]
fn a_batch_that_ran_sql_is_never_redone() {
    let mut db = Database::open_seeded(3).unwrap();
    db.put("before", b"1").unwrap();
    let first = db.close_batch().unwrap();
    db.exec("CREATE TABLE t (x INTEGER)", &[]).unwrap();
    db.exec("INSERT INTO t VALUES (random())", &[]).unwrap();
    let with_sql = db.close_batch().unwrap();
    db.put("after", b"2").unwrap();
    let lost = db.close_batch().unwrap();
    let drawn = db.exec("SELECT x FROM t", &[]).unwrap().rows;
    db.confirm(first);
    db.confirm(with_sql);
    assert_eq!(db.lose_unconfirmed(), vec![lost]);
    // Run again, `random()` would draw another value: the row is the one
    // the batch wrote only if the crash undid nothing below it.
    assert_eq!(db.exec("SELECT x FROM t", &[]).unwrap().rows, drawn);
    assert_eq!(keys(&db.dump().unwrap()), ["before"]);
}

#[test]
fn a_crash_that_loses_the_batch_that_ran_sql_redoes_the_ones_below_it() {
    let mut db = Database::open().unwrap();
    db.put("a", b"1").unwrap();
    let first = db.close_batch().unwrap();
    db.put("b", b"2").unwrap();
    db.exec("CREATE TABLE t (x)", &[]).unwrap();
    db.exec("INSERT INTO t VALUES (?1)", &[SqlValue::Integer(5)])
        .unwrap();
    db.close_batch().unwrap();
    db.confirm(first);
    assert_eq!(db.lose_unconfirmed(), vec![2]);
    assert_eq!(keys(&db.dump().unwrap()), ["a"]);
    assert!(
        db.exec("SELECT x FROM t", &[]).is_err(),
        "the table is gone"
    );
}

fn keys(entries: &[(String, Vec<u8>)]) -> Vec<&str> {
    entries.iter().map(|(key, _)| key.as_str()).collect()
}
