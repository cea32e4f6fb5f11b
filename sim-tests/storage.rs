//! The storage API as an object sees it: SQL, transactions, the synchronous
//! KV API, `delete_all`, key limits and point-in-time recovery, each with
//! the real runtime's observable behaviour and error texts (`docs/storage.md`).

mod common;

use dosim::{DurableObject, Env, Faults, Result, Runner, SqlValue, State};
use serde::Deserialize;

struct Vault {
    state: State,
}

impl DurableObject for Vault {
    fn new(state: State, _env: Env) -> Self {
        Vault { state }
    }
}

#[derive(Deserialize, Debug, PartialEq)]
struct Account {
    id: i64,
    balance: i64,
}

dosim::rpc! {
    trait VaultRpc for Vault {
        async fn open(&self) -> Result<()> {
            let sql = self.state.storage().sql();
            sql.exec(
                "CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)",
                (),
            )?;
            sql.exec("INSERT OR IGNORE INTO accounts VALUES (1, 100), (2, 0)", ())?;
            Ok(())
        }

        async fn accounts(&self) -> Result<Vec<(i64, i64)>> {
            let rows: Vec<Account> = self
                .state
                .storage()
                .sql()
                .exec("SELECT id, balance FROM accounts ORDER BY id", ())?
                .to_array()?;
            Ok(rows.into_iter().map(|a| (a.id, a.balance)).collect())
        }

        /// Moves `amount` in a synchronous transaction; fails (and rolls
        /// back) when the source would go negative.
        async fn transfer(&self, amount: i64) -> Result<()> {
            let storage = self.state.storage();
            storage.transaction_sync(|| {
                let sql = storage.sql();
                sql.exec("UPDATE accounts SET balance = balance - ? WHERE id = 1", (amount,))?;
                storage.kv().put("last_transfer", &amount)?;
                let source: Account = sql
                    .exec("SELECT id, balance FROM accounts WHERE id = 1", ())?
                    .one()?;
                if source.balance < 0 {
                    return Err(dosim::Error::new("insufficient funds"));
                }
                sql.exec("UPDATE accounts SET balance = balance + ? WHERE id = 2", (amount,))?;
                Ok(())
            })
        }

        async fn last_transfer(&self) -> Result<Option<i64>> {
            self.state.storage().get("last_transfer").await
        }

        /// An async transaction that writes, then fails or rolls back.
        async fn txn(&self, how: String) -> Result<String> {
            let storage = self.state.storage();
            let outcome = storage
                .transaction(|txn| async move {
                    txn.put("t", &1).await?;
                    let seen: Option<i64> = txn.get("t").await?;
                    assert_eq!(seen, Some(1), "a transaction reads its own writes");
                    dosim::sleep(std::time::Duration::from_millis(5)).await;
                    match how.as_str() {
                        "fail" => Err(dosim::Error::new("boom")),
                        "rollback" => {
                            txn.rollback()?;
                            let after = txn.get::<i64>("t").await.unwrap_err();
                            Ok(after.message().to_string())
                        }
                        _ => Ok("committed".to_string()),
                    }
                })
                .await;
            let t: Option<i64> = storage.get("t").await?;
            Ok(format!("{} / t={t:?}", match outcome {
                Ok(s) => s,
                Err(e) => format!("error: {}", e.message()),
            }))
        }

        async fn delete_all_in_txn(&self) -> Result<String> {
            let storage = self.state.storage();
            let e = storage
                .transaction(|_txn| async { storage.delete_all().await })
                .await
                .unwrap_err();
            Ok(e.message().to_string())
        }

        async fn wipe(&self) -> Result<(usize, String)> {
            let storage = self.state.storage();
            storage.put("k", &1).await?;
            storage.delete_all().await?;
            let left = storage.list::<i64>(Default::default()).await?.len();
            let e = storage.sql().exec("SELECT * FROM accounts", ()).unwrap_err();
            Ok((left, e.message().to_string()))
        }

        async fn long_key(&self) -> Result<Vec<String>> {
            let key = "k".repeat(2049);
            let storage = self.state.storage();
            Ok(vec![
                storage.put(&key, &1).await.unwrap_err().to_string(),
                storage.get::<i64>(&key).await.unwrap_err().to_string(),
                storage.kv().get::<i64>(&key).unwrap_err().to_string(),
            ])
        }

        async fn limits(&self) -> Result<Vec<String>> {
            let storage = self.state.storage();
            let keys: Vec<String> = (0..129).map(|i| format!("k{i}")).collect();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let entries: Vec<(&str, u8)> = keys.iter().map(|k| (*k, 1u8)).collect();
            let sql = storage.sql();
            sql.exec("CREATE TABLE IF NOT EXISTS two (x)", ())?;
            sql.exec("INSERT INTO two VALUES (1), (2)", ())?;
            Ok(vec![
                storage.get_many::<u8>(&keys).await.unwrap_err().to_string(),
                storage.put_many(&entries).await.unwrap_err().to_string(),
                storage.delete_many(&keys).await.unwrap_err().to_string(),
                sql.exec("SELECT x FROM two WHERE x > 5", ())?.one::<(i64,)>().unwrap_err().to_string(),
                sql.exec("SELECT x FROM two", ())?.one::<(i64,)>().unwrap_err().to_string(),
                sql.exec("BEGIN", ()).unwrap_err().to_string(),
                sql.exec("SELECT * FROM _cf_KV", ()).unwrap_err().to_string(),
            ])
        }

        async fn sync_kv(&self) -> Result<(Option<i64>, Option<i64>)> {
            let storage = self.state.storage();
            storage.kv().put("s", &7)?;
            let async_sees: Option<i64> = storage.get("s").await?;
            storage.put("a", &8).await?;
            Ok((async_sees, storage.kv().get("a")?))
        }

        async fn bookmark(&self) -> Result<String> {
            self.state.storage().get_current_bookmark().await
        }

        async fn set(&self, v: i64) -> Result<()> {
            self.state.storage().put("v", &v).await
        }

        async fn get(&self) -> Result<Option<i64>> {
            self.state.storage().get("v").await
        }

        async fn restore_next(&self, bookmark: String) -> Result<String> {
            self.state.storage().on_next_session_restore_bookmark(&bookmark).await
        }

        async fn restart(&self) -> Result<()> {
            // A failing block_concurrency_while resets the object.
            self.state
                .block_concurrency_while(async { Err::<(), _>(dosim::Error::new("restart")) })
                .await
        }
    }
}

fn check(name: &str, body: fn(dosim::Sim) -> futures::future::LocalBoxFuture<'static, Result<()>>) {
    common::check(name, 3, body);
}

#[test]
fn sql_rows_decode_into_structs() {
    check("sql_rows", |sim| {
        Box::pin(async move {
            let vault = sim.register::<Vault>("VAULT")?.get_by_name("v");
            vault.open().await?;
            assert_eq!(vault.accounts().await?, vec![(1, 100), (2, 0)]);
            Ok(())
        })
    });
}

#[test]
fn a_failing_sync_transaction_rolls_back_sql_and_kv_together() {
    check("sync_txn", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Vault>("VAULT")?;
            let vault = ns.get_by_name("v");
            vault.open().await?;
            vault.transfer(60).await?;
            assert_eq!(vault.accounts().await?, vec![(1, 40), (2, 60)]);
            let err = vault.transfer(60).await.unwrap_err();
            assert!(err.message().contains("insufficient funds"), "{err}");
            let vault = ns.get_by_name("v"); // the error broke the old stub
            assert_eq!(vault.accounts().await?, vec![(1, 40), (2, 60)]);
            assert_eq!(
                vault.last_transfer().await?,
                Some(60),
                "the kv.put rolled back too"
            );
            Ok(())
        })
    });
}

#[test]
fn async_transactions_commit_fail_and_roll_back_as_observed() {
    check("async_txn", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Vault>("VAULT")?;
            assert_eq!(
                ns.get_by_name("a").txn("ok".into()).await?,
                "committed / t=Some(1)"
            );
            assert_eq!(
                ns.get_by_name("b").txn("fail".into()).await?,
                "error: boom / t=None"
            );
            assert_eq!(
                ns.get_by_name("c").txn("rollback".into()).await?,
                "Cannot get() on rolled back transaction / t=None"
            );
            assert_eq!(
                ns.get_by_name("d").delete_all_in_txn().await?,
                "Cannot call deleteAll() within a transaction"
            );
            Ok(())
        })
    });
}

#[test]
fn delete_all_wipes_kv_and_sql() {
    check("delete_all", |sim| {
        Box::pin(async move {
            let vault = sim.register::<Vault>("VAULT")?.get_by_name("v");
            vault.open().await?;
            let (left, err) = vault.wipe().await?;
            assert_eq!(left, 0);
            assert_eq!(err, "no such table: accounts: SQLITE_ERROR");
            Ok(())
        })
    });
}

#[test]
fn keys_over_2048_bytes_are_refused_everywhere() {
    check("long_key", |sim| {
        Box::pin(async move {
            let vault = sim.register::<Vault>("VAULT")?.get_by_name("v");
            let expected = "RangeError: Keys cannot be larger than 2048 bytes. A key of size 2049 \
                        was provided.";
            for e in vault.long_key().await? {
                assert_eq!(e, expected);
            }
            Ok(())
        })
    });
}

#[test]
fn the_sync_and_async_kv_apis_share_one_store() {
    check("sync_kv", |sim| {
        Box::pin(async move {
            let vault = sim.register::<Vault>("VAULT")?.get_by_name("v");
            assert_eq!(vault.sync_kv().await?, (Some(7), Some(8)));
            Ok(())
        })
    });
}

#[test]
fn a_bookmark_restores_on_the_next_session_and_can_be_undone() {
    check("bookmarks", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Vault>("VAULT")?;
            let vault = ns.get_by_name("v");
            vault.set(1).await?;
            let one = vault.bookmark().await?;
            vault.set(2).await?;
            let undo = vault.restore_next(one.clone()).await?;
            assert!(undo > one, "bookmarks sort in time order: {undo} > {one}");
            assert_eq!(
                vault.get().await?,
                Some(2),
                "nothing changes before the next session"
            );
            assert!(vault.restart().await.is_err());
            let vault = ns.get_by_name("v");
            assert_eq!(vault.get().await?, Some(1), "restored");
            vault.restore_next(undo).await?;
            assert!(vault.restart().await.is_err());
            assert_eq!(ns.get_by_name("v").get().await?, Some(2), "undone");
            Ok(())
        })
    });
}

/// A ledger kept in SQL: every entry row and the running total are written
/// by one event, so they commit (or a crash loses them) together.
struct Ledger {
    state: State,
}

impl DurableObject for Ledger {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        // Constructors may run SQL: it is synchronous.
        sql.exec(
            "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL); \
             CREATE TABLE IF NOT EXISTS totals (one INTEGER PRIMARY KEY CHECK (one = 1), total INTEGER); \
             INSERT OR IGNORE INTO totals VALUES (1, 0)",
            (),
        )
        .expect("schema");
        Ledger { state }
    }
}

dosim::rpc! {
    trait LedgerRpc for Ledger {
        async fn record(&self, amount: i64) -> Result<()> {
            let sql = self.state.storage().sql();
            sql.exec("INSERT INTO entries (amount) VALUES (?)", (amount,))?;
            sql.exec("UPDATE totals SET total = total + ?", (amount,))?;
            Ok(())
        }

        /// (entries, their sum, the running total)
        async fn audit(&self) -> Result<(i64, i64, i64)> {
            let row = self
                .state
                .storage()
                .sql()
                .exec(
                    "SELECT count(*), coalesce(sum(amount), 0), (SELECT total FROM totals) FROM entries",
                    (),
                )?
                .raw()
                .next()
                .unwrap_or_default();
            match row.as_slice() {
                [SqlValue::Integer(n), SqlValue::Integer(sum), SqlValue::Integer(total)] => {
                    Ok((*n, *sum, *total))
                }
                other => Err(dosim::Error::new(format!("unexpected audit row {other:?}"))),
            }
        }
    }
}

#[test]
fn sql_writes_survive_faults_exactly_as_kv_writes_do() {
    let report = Runner::new("sql_ledger_faults")
        .seeds(40)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim| async move {
            let ns = sim.register::<Ledger>("LEDGER")?;
            let mut tasks = Vec::new();
            for client in sim.clients() {
                let ns = client.namespace::<Ledger>("LEDGER")?;
                tasks.push(client.spawn(async move {
                    let (mut acked, mut tried) = (0i64, 0i64);
                    for i in 0..15 {
                        tried += 1;
                        if ns.get_by_name("book").record(i + 1).await.is_ok() {
                            acked += 1;
                        }
                    }
                    (acked, tried)
                }));
            }
            let (mut acked, mut tried) = (0, 0);
            for (a, b) in dosim::join_all(tasks).await? {
                acked += a;
                tried += b;
            }
            let (n, sum, total) = sim.eventually(|| ns.get_by_name("book").audit()).await?;
            if n < acked || n > tried {
                dosim::bail!("{acked} records acknowledged, {tried} tried, {n} stored");
            }
            if sum != total {
                dosim::bail!("entries sum to {sum} but the total reads {total}: a batch was split");
            }
            Ok(())
        });
    assert!(report.passed(), "{:?}", report.failures);
    assert!(
        report.faults_injected.values().sum::<u64>() > 0,
        "no fault was injected: the test proves nothing"
    );
}

#[test]
fn batch_limits_and_cursor_errors_have_workerds_texts() {
    check("limits", |sim| {
        Box::pin(async move {
            let vault = sim.register::<Vault>("VAULT")?.get_by_name("v");
            let errors = vault.limits().await?;
            let batch =
                "RangeError: Maximum number of key value pairs is 128. 129 pairs were provided.";
            assert_eq!(errors[0], batch, "get_many");
            assert_eq!(errors[1], batch, "put_many");
            assert_eq!(errors[2], batch, "delete_many");
            assert_eq!(
                errors[3],
                "Error: Expected exactly one result from SQL query, but got no results."
            );
            assert_eq!(
                errors[4],
                "Error: Expected exactly one result from SQL query, but got multiple results."
            );
            assert!(
                errors[5].starts_with(
                    "Error: To execute a transaction, please use the state.storage.transaction()"
                ),
                "{}",
                errors[5]
            );
            assert_eq!(errors[6], "Error: no such table: _cf_KV: SQLITE_ERROR");
            Ok(())
        })
    });
}
