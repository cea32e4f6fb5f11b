//! The SQL API's rules, errors and limits, each against the text workerd
//! gives (`docs/semantics.md`, "SQL" and "Limits").

use super::*;
use crate::storage::authorizer::TRANSACTION_REFUSED;
use crate::storage::sql_value::SqlValue as V;

fn db() -> Database {
    Database::open().unwrap()
}

fn err(db: &mut Database, q: &str, b: &[V]) -> String {
    match db.exec(q, b) {
        Ok(done) => panic!("`{q}` succeeded: {done:?}"),
        Err(e) => e.to_string(),
    }
}

fn rows(db: &mut Database, q: &str, b: &[V]) -> Vec<Vec<V>> {
    db.exec(q, b).unwrap_or_else(|e| panic!("`{q}`: {e}")).rows
}

fn users(db: &mut Database) {
    db.exec(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
        &[],
    )
    .unwrap();
}

#[test]
fn transaction_control_is_refused_with_workerds_text() {
    let mut db = db();
    for q in [
        "BEGIN TRANSACTION",
        "begin",
        "SAVEPOINT sp",
        "COMMIT",
        "ROLLBACK",
        "RELEASE sp",
    ] {
        assert_eq!(err(&mut db, q, &[]), TRANSACTION_REFUSED, "{q}");
    }
    assert!(TRANSACTION_REFUSED.starts_with("To execute a transaction, please use the"));
}

#[test]
fn reserved_cf_tables_are_refused() {
    let mut db = db();
    assert_eq!(
        err(&mut db, "SELECT * FROM _cf_KV", &[]),
        "no such table: _cf_KV: SQLITE_ERROR",
        "the KV table is created lazily"
    );
    db.put("k", b"v").unwrap();
    assert_eq!(
        err(&mut db, "SELECT key, value FROM _cf_KV", &[]),
        "access to _cf_KV.key is prohibited: SQLITE_AUTH"
    );
    for q in [
        "INSERT INTO _cf_KV VALUES ('a', 'b')",
        "DROP TABLE _cf_KV",
        "CREATE TABLE _cf_mine(x)",
        "CREATE TABLE _CF_upper(x)",
        "ATTACH DATABASE ':memory:' AS other",
        "PRAGMA journal_mode",
    ] {
        assert_eq!(err(&mut db, q, &[]), "not authorized: SQLITE_AUTH", "{q}");
    }
    let listed = rows(&mut db, "SELECT name FROM sqlite_master", &[]);
    assert!(listed.contains(&vec![V::Text("_cf_KV".into())]));
}

#[test]
fn engine_functions_are_refused_and_schema_pragmas_allowed() {
    let mut db = db();
    assert_eq!(
        err(&mut db, "SELECT sqlite_version()", &[]),
        "not authorized to use function: sqlite_version at offset 7: SQLITE_ERROR"
    );
    assert_eq!(
        rows(&mut db, "PRAGMA foreign_keys", &[]),
        vec![vec![V::Integer(1)]]
    );
    db.exec("PRAGMA table_list", &[]).unwrap();
}

#[test]
fn sql_errors_carry_sqlites_message_and_code() {
    let mut db = db();
    users(&mut db);
    assert_eq!(
        err(&mut db, "SELEC 1", &[]),
        "near \"SELEC\": syntax error at offset 0: SQLITE_ERROR"
    );
    assert_eq!(
        err(&mut db, "SELECT * FROM nope", &[]),
        "no such table: nope: SQLITE_ERROR"
    );
    assert_eq!(
        err(&mut db, "INSERT INTO users (id) VALUES (1)", &[]),
        "NOT NULL constraint failed: users.name: SQLITE_CONSTRAINT (extended: \
         SQLITE_CONSTRAINT_NOTNULL)"
    );
    db.exec("INSERT INTO users VALUES (1, 'a')", &[]).unwrap();
    assert_eq!(
        err(&mut db, "INSERT INTO users VALUES (1, 'b')", &[]),
        "UNIQUE constraint failed: users.id: SQLITE_CONSTRAINT (extended: \
         SQLITE_CONSTRAINT_PRIMARYKEY)"
    );
}

#[test]
fn bindings_must_match_the_last_statement() {
    let mut db = db();
    let wrong = "Wrong number of parameter bindings for SQL query.";
    assert_eq!(err(&mut db, "SELECT ?", &[]), wrong);
    assert_eq!(
        err(&mut db, "SELECT ?", &[V::Integer(1), V::Integer(2)]),
        wrong
    );
    assert_eq!(
        rows(&mut db, "SELECT ?1 + ?1", &[V::Integer(2)]),
        vec![vec![V::Integer(4)]]
    );
    let none = "SQL code did not contain a statement.";
    assert_eq!(err(&mut db, "", &[]), none);
    assert_eq!(err(&mut db, ";", &[]), none);
    assert_eq!(err(&mut db, "  -- nothing", &[]), none);
}

#[test]
fn bindings_and_results_convert_as_javascript_would() {
    let mut db = db();
    assert_eq!(
        err(&mut db, "SELECT ?", &[V::Integer((1 << 53) + 1)]),
        "Cannot convert a BigInt value to a number"
    );
    assert_eq!(
        rows(&mut db, "SELECT 9007199254740993", &[]),
        vec![vec![V::Integer(9007199254740992)]]
    );
    assert_eq!(
        rows(&mut db, "SELECT ?", &[true.into()]),
        vec![vec![V::Text("true".into())]]
    );
    let dup = db.exec("SELECT 1 AS a, 2 AS a", &[]).unwrap();
    assert_eq!(dup.column_names[..], ["a", "a"]);
}

#[test]
fn several_statements_run_and_the_cursor_and_counters_hold_the_last() {
    let mut db = db();
    let done = db
        .exec(
            "CREATE TABLE a(x); INSERT INTO a VALUES (1); INSERT INTO a VALUES (2); \
             SELECT * FROM a",
            &[],
        )
        .unwrap();
    assert_eq!(done.rows, vec![vec![V::Integer(1)], vec![V::Integer(2)]]);
    assert!(done.wrote);
    // workerd: rowsWritten 0, the SELECT's; the two INSERTs do not count.
    assert_eq!((done.rows_read, done.rows_written), (2, 0));
    let done = db
        .exec("SELECT * FROM a; INSERT INTO a VALUES (3)", &[])
        .unwrap();
    assert_eq!((done.rows_read, done.rows_written), (0, 1));
}

#[test]
fn a_failing_multi_statement_exec_leaves_nothing() {
    let mut db = db();
    users(&mut db);
    let e = err(
        &mut db,
        "INSERT INTO users VALUES (1, 'a'); INSERT INTO users (id) VALUES (2)",
        &[],
    );
    assert!(e.contains("NOT NULL constraint failed"), "{e}");
    assert_eq!(
        rows(&mut db, "SELECT count(*) FROM users", &[]),
        vec![vec![V::Integer(0)]]
    );
}

#[test]
fn rows_counters_follow_the_statements() {
    let mut db = db();
    users(&mut db);
    let ins = db
        .exec("INSERT INTO users VALUES (1, 'a'), (2, 'b'), (3, 'c')", &[])
        .unwrap();
    assert_eq!((ins.rows_read, ins.rows_written), (0, 3));
    let upd = db.exec("UPDATE users SET name = 'z'", &[]).unwrap();
    assert_eq!((upd.rows_read, upd.rows_written), (3, 3));
    let ret = db
        .exec("INSERT INTO users VALUES (4, 'd') RETURNING id", &[])
        .unwrap();
    assert_eq!((ret.rows_read, ret.rows_written), (1, 1));
    let sel = db.exec("SELECT name FROM users", &[]).unwrap();
    assert_eq!((sel.rows_read, sel.rows_written), (4, 0));
}

#[test]
fn statements_that_read_no_table_read_no_rows() {
    let mut db = db();
    users(&mut db);
    let cases: [(&str, &[V]); 5] = [
        ("SELECT ?", &[V::Integer(7)]),
        ("SELECT 1", &[]),
        ("SELECT 1 UNION ALL SELECT 2", &[]),
        ("PRAGMA foreign_keys", &[]),
        ("PRAGMA table_list", &[]),
    ];
    // Twice: the second run takes the statement from the cache.
    for _ in 0..2 {
        for (q, b) in cases {
            let done = db.exec(q, b).unwrap();
            assert!(!done.rows.is_empty(), "`{q}` returned no rows");
            assert_eq!((done.rows_read, done.rows_written), (0, 0), "`{q}`");
        }
    }
    let done = db.exec("SELECT 1; SELECT 2", &[]).unwrap();
    assert_eq!(done.rows_read, 0);
}

#[test]
fn a_lookup_reads_its_row_also_when_the_statement_is_cached_or_forgotten() {
    let mut db = db();
    users(&mut db);
    db.exec("INSERT INTO users VALUES (1, 'a'), (2, 'b')", &[])
        .unwrap();
    let lookup = "SELECT name FROM users WHERE id = ?";
    for round in 0..3 {
        let done = db.exec(lookup, &[V::Integer(1)]).unwrap();
        assert_eq!((done.rows_read, done.rows_written), (1, 0), "round {round}");
        // Push the lookup out of the statement cache and the kept answers.
        for i in 0..100 {
            db.exec(&format!("SELECT {i}"), &[]).unwrap();
        }
    }
}

/// The first run of the look-up finds nothing, so nothing asks then
/// whether it reads a table; the answer kept when it was prepared serves
/// the later run that finds a row.
#[test]
fn a_lookup_that_first_finds_nothing_reads_its_row_later() {
    let mut db = db();
    users(&mut db);
    let lookup = "SELECT name FROM users WHERE id = ?";
    let done = db.exec(lookup, &[V::Integer(1)]).unwrap();
    assert_eq!((done.rows.len(), done.rows_read), (0, 0));
    db.exec("INSERT INTO users VALUES (1, 'a')", &[]).unwrap();
    let done = db.exec(lookup, &[V::Integer(1)]).unwrap();
    assert_eq!((done.rows.len(), done.rows_read), (1, 1));
    let constant = db.exec("SELECT 1", &[]).unwrap();
    assert_eq!((constant.rows.len(), constant.rows_read), (1, 0));
}

#[test]
fn production_limits_are_enforced() {
    let mut db = db();
    let params = vec!["?"; 101].join(", ");
    let e = err(
        &mut db,
        &format!("SELECT {params}"),
        &vec![V::Integer(1); 101],
    );
    assert_eq!(e, "too many SQL variables: SQLITE_ERROR");
    let long = format!("SELECT '{}'", "x".repeat(100_000));
    assert_eq!(
        err(&mut db, &long, &[]),
        "statement too long: SQLITE_TOOBIG"
    );
    let cols = (0..101)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    assert_eq!(
        err(&mut db, &format!("CREATE TABLE wide ({cols})"), &[]),
        "too many columns on wide: SQLITE_ERROR"
    );
    let big = V::Text("x".repeat(2_000_001));
    assert_eq!(
        err(&mut db, "SELECT ?", &[big]),
        "string or blob too big: SQLITE_TOOBIG"
    );
    assert_eq!(
        db.put("k", &vec![b'v'; 2_000_001]).unwrap_err().to_string(),
        "string or blob too big: SQLITE_TOOBIG"
    );
    assert_eq!(
        err(&mut db, "SELECT randomblob(2000001)", &[]),
        "string or blob too big: SQLITE_TOOBIG"
    );
}

#[test]
fn sql_and_kv_writes_share_the_batch_and_a_crash_loses_both() {
    let mut db = db();
    users(&mut db);
    let first = db.close_batch().unwrap();
    db.confirm(first);
    db.put("k", b"v").unwrap();
    db.exec("INSERT INTO users VALUES (1, 'a')", &[]).unwrap();
    assert_eq!(db.unconfirmed(), 1, "one batch holds both writes");
    db.lose_unconfirmed();
    assert_eq!(db.get("k").unwrap(), None);
    assert_eq!(
        rows(&mut db, "SELECT count(*) FROM users", &[]),
        vec![vec![V::Integer(0)]]
    );
}

#[test]
fn a_read_opens_no_batch() {
    let mut db = db();
    db.exec("SELECT 1", &[]).unwrap();
    assert_eq!(db.close_batch(), None);
}

#[test]
fn database_size_counts_pages() {
    let mut db = db();
    db.exec("CREATE TABLE a (x); CREATE TABLE b (y)", &[])
        .unwrap();
    assert_eq!(db.database_size().unwrap(), 12288);
}

#[test]
fn sql_time_and_randomness_come_from_the_simulation() {
    let mut a = Database::open_seeded(7).unwrap();
    let mut b = Database::open_seeded(7).unwrap();
    let q = "SELECT random(), hex(randomblob(8))";
    assert_eq!(rows(&mut a, q, &[]), rows(&mut b, q, &[]));
    crate::storage::sql_clock::set_now(crate::sim::clock::SIM_START_UNIX_MS + 1500);
    assert_eq!(
        rows(&mut a, "SELECT datetime('now'), unixepoch('subsec')", &[]),
        vec![vec![
            V::Text("2026-01-01 00:00:01".into()),
            V::Real(1767225601.5)
        ]]
    );
    assert_eq!(
        rows(&mut a, "SELECT CURRENT_TIMESTAMP", &[]),
        vec![vec![V::Text("2026-01-01 00:00:01".into())]]
    );
    crate::storage::sql_clock::set_now(crate::sim::clock::SIM_START_UNIX_MS);
}

#[test]
fn a_select_star_sees_the_columns_a_schema_change_added_or_renamed() {
    let mut db = db();
    db.exec("CREATE TABLE t (a)", &[]).unwrap();
    db.exec("INSERT INTO t VALUES (1)", &[]).unwrap();
    let before = db.exec("SELECT * FROM t", &[]).unwrap();
    assert_eq!(before.column_names[..], ["a"]);
    db.exec("ALTER TABLE t ADD COLUMN b DEFAULT 2", &[])
        .unwrap();
    let added = db.exec("SELECT * FROM t", &[]).unwrap();
    assert_eq!(added.column_names[..], ["a", "b"]);
    assert_eq!(added.rows, vec![vec![V::Integer(1), V::Integer(2)]]);
    db.exec("ALTER TABLE t RENAME COLUMN b TO c", &[]).unwrap();
    let renamed = db.exec("SELECT * FROM t", &[]).unwrap();
    assert_eq!(renamed.column_names[..], ["a", "c"]);
    db.exec("DELETE FROM t", &[]).unwrap();
    db.exec("ALTER TABLE t ADD COLUMN d", &[]).unwrap();
    let empty = db.exec("SELECT * FROM t", &[]).unwrap();
    assert_eq!(empty.column_names[..], ["a", "c", "d"]);
    assert!(empty.rows.is_empty());
}

#[test]
fn a_select_star_prepared_anew_after_the_statement_cache_dropped_it_sees_new_columns() {
    let mut db = db();
    db.exec("CREATE TABLE t (a)", &[]).unwrap();
    for _ in 0..2 {
        let done = db.exec("select * from t", &[]).unwrap();
        assert_eq!(done.column_names[..], ["a"]);
    }
    // Push the statement out of SQLite's statement cache (but not its names
    // out of the column cache, which drops the first text in byte order),
    // then change the schema: the next `select *` is a new statement that
    // never re-prepared.
    for i in 0..(STATEMENT_CACHE_CAPACITY + 8) {
        db.exec(&format!("SELECT {i}"), &[]).unwrap();
    }
    db.exec("ALTER TABLE t ADD COLUMN b", &[]).unwrap();
    for _ in 0..2 {
        let done = db.exec("select * from t", &[]).unwrap();
        assert_eq!(done.column_names[..], ["a", "b"]);
    }
}

#[test]
fn the_local_profile_takes_values_up_to_sqlites_own_limit_and_keeps_it_across_a_restore() {
    use crate::limits::Limits;
    let too_big = "string or blob too big: SQLITE_TOOBIG";
    let big = vec![b'v'; 8_000_000];
    let mut production = db();
    production.set_limits(&Limits::production());
    assert_eq!(production.put("k", &big).unwrap_err().to_string(), too_big);

    let mut local = db();
    local.set_limits(&Limits::local());
    local.put("k", &big).unwrap();
    local.exec("CREATE TABLE t (x)", &[]).unwrap();
    local
        .exec(
            "INSERT INTO t VALUES (?)",
            &[V::Text("x".repeat(3_000_000))],
        )
        .unwrap();
    let id = local.close_batch().unwrap();
    local.confirm_at(id, std::time::Duration::from_millis(10));
    let bookmark = local.current_bookmark();
    // Replaying the log into a new connection needs the same limit, and the
    // new connection keeps it.
    local
        .restore(&bookmark, std::time::Duration::from_millis(20))
        .unwrap();
    assert_eq!(local.get("k").unwrap().map(|v| v.len()), Some(8_000_000));
    local.put("k2", &big).unwrap();
}

/// A database whose `schema` is committed: no batch is open or held.
fn committed(schema: &str) -> Database {
    let mut db = db();
    db.exec(schema, &[]).unwrap();
    let first = db.close_batch().unwrap();
    db.confirm(first);
    db
}

/// Runs `q` twice (the second run takes the statement from the cache),
/// confirming any batch; whether each run wrote, and so opened a batch.
fn writes_twice(db: &mut Database, q: &str) -> [bool; 2] {
    [(); 2].map(|()| {
        let wrote = db.exec(q, &[]).unwrap().wrote;
        let batch = db.close_batch();
        assert_eq!(
            batch.is_some(),
            wrote,
            "{q}: a batch if and only if a write"
        );
        batch.into_iter().for_each(|b| db.confirm(b));
        wrote
    })
}

#[test]
fn ddl_that_finds_nothing_to_do_opens_no_batch() {
    let mut db = committed("CREATE TABLE t (a); CREATE TABLE u (b)");
    for q in [
        "CREATE TABLE IF NOT EXISTS t (a)",
        "CREATE TABLE IF NOT EXISTS t (a); CREATE TABLE IF NOT EXISTS u (b)",
    ] {
        assert_eq!(writes_twice(&mut db, q), [false; 2], "{q}");
    }
}

#[test]
fn ddl_that_may_change_something_keeps_its_batch() {
    let mut db = committed("CREATE TABLE t (a)");
    for q in [
        "CREATE TABLE IF NOT EXISTS t (a); INSERT INTO t VALUES (1)",
        // A write that matched no row still wrote, as a KV delete does.
        "DELETE FROM t WHERE a = 2",
    ] {
        assert_eq!(writes_twice(&mut db, q), [true; 2], "{q}");
    }
    // A table created by `IF NOT EXISTS` goes with its batch in a crash.
    assert!(
        db.exec("CREATE TABLE IF NOT EXISTS w (a)", &[])
            .unwrap()
            .wrote
    );
    db.lose_unconfirmed();
    assert_eq!(
        err(&mut db, "SELECT * FROM w", &[]),
        "no such table: w: SQLITE_ERROR"
    );
}

#[test]
fn ddl_that_finds_nothing_to_do_joins_a_batch_already_open() {
    let mut db = db();
    db.exec("CREATE TABLE t (a)", &[]).unwrap();
    // Batch 1 is closed but not confirmed: its savepoint holds the
    // transaction, so the next batch cannot tell what it wrote.
    db.close_batch().unwrap();
    assert!(
        db.exec("CREATE TABLE IF NOT EXISTS t (a)", &[])
            .unwrap()
            .wrote
    );
    assert_eq!(db.unconfirmed(), 2);
    db.put("k", b"v").unwrap();
    assert!(
        db.exec("CREATE TABLE IF NOT EXISTS t (a)", &[])
            .unwrap()
            .wrote
    );
    assert_eq!(db.unconfirmed(), 2);
}
