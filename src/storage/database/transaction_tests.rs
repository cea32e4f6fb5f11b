//! Transactions, `delete_all` and bookmarks inside the write batch.

use std::time::Duration;

use super::*;
use crate::storage::sql_value::SqlValue as V;

fn count(db: &mut Database, table: &str) -> i64 {
    match &db
        .exec(&format!("SELECT count(*) FROM {table}"), &[])
        .unwrap()
        .rows[0][0]
    {
        V::Integer(n) => *n,
        other => panic!("count is {other:?}"),
    }
}

#[test]
fn a_rolled_back_transaction_undoes_kv_and_sql_but_keeps_earlier_writes() {
    let mut db = Database::open().unwrap();
    db.put("before", b"1").unwrap();
    let t = db.transaction_begin().unwrap();
    db.put("inside", b"2").unwrap();
    db.exec("CREATE TABLE t (x)", &[]).unwrap();
    assert_eq!(
        db.get("inside").unwrap(),
        Some(b"2".to_vec()),
        "reads see the transaction"
    );
    db.transaction_rollback(t).unwrap();
    assert_eq!(db.get("inside").unwrap(), None);
    assert!(
        db.exec("SELECT * FROM t", &[]).is_err(),
        "CREATE TABLE rolled back"
    );
    assert_eq!(db.get("before").unwrap(), Some(b"1".to_vec()));
    let id = db.close_batch().unwrap();
    db.confirm(id);
    assert_eq!(db.dump().unwrap().len(), 1);
}

#[test]
fn nested_transactions_commit_into_the_batch_and_roll_back_alone() {
    let mut db = Database::open().unwrap();
    let outer = db.transaction_begin().unwrap();
    db.put("a", b"1").unwrap();
    let inner = db.transaction_begin().unwrap();
    db.put("b", b"2").unwrap();
    db.transaction_rollback(inner).unwrap();
    db.transaction_commit(outer).unwrap();
    assert_eq!(db.dump().unwrap(), vec![("a".to_string(), b"1".to_vec())]);
    assert_eq!(
        db.unconfirmed(),
        1,
        "a committed transaction is part of the batch"
    );
    db.lose_unconfirmed();
    assert_eq!(
        db.dump().unwrap(),
        vec![],
        "and a crash loses it with the batch"
    );
}

#[test]
fn a_crash_inside_a_transaction_cancels_it() {
    let mut db = Database::open().unwrap();
    let t = db.transaction_begin().unwrap();
    db.put("a", b"1").unwrap();
    db.lose_unconfirmed();
    assert!(!db.in_transaction());
    assert!(db.transaction_commit(t).is_err());
    assert_eq!(db.get("a").unwrap(), None);
}

#[test]
fn delete_all_wipes_tables_and_kv_atomically_with_the_batch() {
    let mut db = Database::open().unwrap();
    db.exec(
        "CREATE TABLE p (id INTEGER PRIMARY KEY); \
         CREATE TABLE c (p INTEGER REFERENCES p(id)); \
         INSERT INTO p VALUES (1); INSERT INTO c VALUES (1); \
         CREATE VIEW v AS SELECT * FROM c",
        &[],
    )
    .unwrap();
    db.put("k", b"v").unwrap();
    let id = db.close_batch().unwrap();
    db.confirm(id);
    db.delete_all(false).unwrap();
    assert_eq!(db.dump().unwrap(), vec![]);
    let left = db.exec("SELECT name FROM sqlite_master", &[]).unwrap();
    assert_eq!(left.rows, Vec::<Vec<V>>::new());
    db.lose_unconfirmed();
    assert_eq!(count(&mut db, "c"), 1, "a lost delete_all deleted nothing");
    assert_eq!(db.get("k").unwrap(), Some(b"v".to_vec()));
}

fn confirm_now(db: &mut Database, at_ms: u64) {
    let id = db.close_batch().unwrap();
    db.confirm_at(id, Duration::from_millis(at_ms));
}

#[test]
fn a_bookmark_restores_kv_and_sql_as_they_were() {
    let mut db = Database::open().unwrap();
    db.exec("CREATE TABLE t (x)", &[]).unwrap();
    db.put("k", b"1").unwrap();
    confirm_now(&mut db, 10);
    let at_first = db.current_bookmark();
    db.exec("INSERT INTO t VALUES (?)", &[V::Integer(5)])
        .unwrap();
    db.put("k", b"2").unwrap();
    confirm_now(&mut db, 20);
    let undo = db.restore(&at_first, Duration::from_millis(30)).unwrap();
    assert_eq!(db.get("k").unwrap(), Some(b"1".to_vec()));
    assert_eq!(count(&mut db, "t"), 0);
    db.restore(&undo, Duration::from_millis(40)).unwrap();
    assert_eq!(
        db.get("k").unwrap(),
        Some(b"2".to_vec()),
        "the undo bookmark undoes"
    );
    assert_eq!(count(&mut db, "t"), 1);
}

#[test]
fn bookmarks_by_time_sort_in_time_order_and_respect_the_window() {
    let mut db = Database::open().unwrap();
    db.put("k", b"1").unwrap();
    confirm_now(&mut db, 1_000);
    db.put("k", b"2").unwrap();
    confirm_now(&mut db, 2_000);
    let now = Duration::from_millis(3_000);
    let early = db
        .bookmark_for_time(Duration::from_millis(1_500), now)
        .unwrap();
    let late = db
        .bookmark_for_time(Duration::from_millis(2_500), now)
        .unwrap();
    let before = db.bookmark_for_time(Duration::ZERO, now).unwrap();
    assert!(before < early && early < late);
    db.restore(&early, now).unwrap();
    assert_eq!(db.get("k").unwrap(), Some(b"1".to_vec()));
    db.restore(&before, now).unwrap();
    assert_eq!(db.get("k").unwrap(), None);
    let month = BOOKMARK_WINDOW + Duration::from_secs(1);
    assert!(db.bookmark_for_time(Duration::ZERO, month).is_err());
    assert!(db.bookmark_for_time(now * 2, now).is_err());
    assert_eq!(
        db.restore("nonsense", now).unwrap_err().to_string(),
        "Invalid bookmark: \"nonsense\""
    );
}

#[test]
fn a_bookmark_to_a_lost_batch_means_the_newest_survivor_before_it() {
    let mut db = Database::open().unwrap();
    db.put("k", b"1").unwrap();
    confirm_now(&mut db, 1);
    db.put("k", b"2").unwrap();
    let lost = db.current_bookmark();
    db.lose_unconfirmed();
    db.restore(&lost, Duration::from_millis(5)).unwrap();
    assert_eq!(db.get("k").unwrap(), Some(b"1".to_vec()));
}

#[test]
fn the_alarm_lives_in_the_batch_and_delete_all_takes_it_unless_kept() {
    let mut db = Database::open().unwrap();
    assert_eq!(db.alarm().unwrap(), None);
    db.set_alarm(Some(5_000)).unwrap();
    assert_eq!(db.alarm().unwrap(), Some(5_000), "read your own alarm");
    db.lose_unconfirmed();
    assert_eq!(
        db.alarm().unwrap(),
        None,
        "a crash loses an unconfirmed alarm"
    );
    db.set_alarm(Some(7_000)).unwrap();
    let t = db.transaction_begin().unwrap();
    db.set_alarm(None).unwrap();
    db.transaction_rollback(t).unwrap();
    assert_eq!(db.alarm().unwrap(), Some(7_000), "a rollback restores it");
    db.delete_all(true).unwrap();
    assert_eq!(
        db.alarm().unwrap(),
        Some(7_000),
        "kept by delete_all_preserves_alarm"
    );
    db.delete_all(false).unwrap();
    assert_eq!(db.alarm().unwrap(), None);
    let e = db
        .exec("SELECT * FROM _cf_METADATA", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("SQLITE"), "{e}");
}
