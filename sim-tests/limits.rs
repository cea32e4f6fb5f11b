//! The two limits profiles as an object sees them: production's (the
//! default) refuses long keys, big batch calls and values over 2 MB with the
//! real runtime's texts; local workerd's accepts all three.

use dosim::limits::Limits;
use dosim::{DurableObject, Env, Faults, Result, Runner, State, WorldConfig};

struct Shelf {
    state: State,
}

impl DurableObject for Shelf {
    fn new(state: State, _env: Env) -> Self {
        Shelf { state }
    }
}

/// What each limited operation gave: `ok: …` or the error's text.
fn outcome<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => format!("ok: {v:?}"),
        Err(e) => e.to_string(),
    }
}

dosim::rpc! {
    trait ShelfRpc for Shelf {
        /// Tries every limited operation once.
        async fn try_limits(&self) -> Result<Vec<String>> {
            let storage = self.state.storage();
            let key = "k".repeat(2049);
            let keys: Vec<String> = (0..129).map(|i| format!("k{i}")).collect();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            let entries: Vec<(&str, u8)> = keys.iter().map(|k| (*k, 1u8)).collect();
            let value = "v".repeat(3_000_000);
            let sql = storage.sql();
            sql.exec("CREATE TABLE IF NOT EXISTS t (x)", ())?;
            Ok(vec![
                outcome(storage.put(&key, &1).await),
                outcome(storage.get::<i64>(&key).await),
                outcome(storage.kv().get::<i64>(&key)),
                outcome(storage.delete(&key).await),
                outcome(storage.put_many(&entries).await),
                outcome(storage.get_many::<u8>(&keys).await.map(|m| m.len())),
                outcome(storage.delete_many(&keys).await),
                outcome(storage.put("big", &value).await),
                outcome(storage.get::<String>("big").await.map(|v| v.map(|v| v.len()))),
                outcome(sql.exec("INSERT INTO t VALUES (?)", (value.as_str(),)).map(|c| c.rows_written())),
            ])
        }
    }
}

fn outcomes(name: &str, limits: Limits) -> Vec<String> {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let report = Runner::new(name)
        .world(WorldConfig::default().limits(limits))
        .seeds(1)
        .faults(Faults::None)
        .quiet()
        .run({
            let seen = seen.clone();
            move |sim| {
                let seen = seen.clone();
                async move {
                    let shelf = sim.register::<Shelf>("SHELF")?.get_by_name("s");
                    let outcomes = shelf.try_limits().await?;
                    *seen.lock().unwrap() = outcomes;
                    Ok(())
                }
            }
        });
    assert!(report.passed(), "{:#?}", report.failures);
    let seen = seen.lock().unwrap().clone();
    seen
}

#[test]
fn production_limits_are_the_default_and_refuse_with_the_runtimes_texts() {
    let key = "RangeError: Keys cannot be larger than 2048 bytes. A key of size 2049 was provided.";
    let batch = "RangeError: Maximum number of key value pairs is 128. 129 pairs were provided.";
    let too_big = "Error: string or blob too big: SQLITE_TOOBIG";
    assert_eq!(
        outcomes("limits_production", Limits::production()),
        [key, key, key, key, batch, batch, batch, too_big, "ok: None", too_big]
    );
    assert_eq!(
        WorldConfig::default().limits_setting(),
        Limits::production()
    );
}

#[test]
fn local_limits_accept_long_keys_big_batches_and_big_values() {
    assert_eq!(
        outcomes("limits_local", Limits::local()),
        [
            "ok: ()",
            "ok: Some(1)",
            "ok: Some(1)",
            "ok: true",
            "ok: ()",
            "ok: 129",
            "ok: 129",
            "ok: ()",
            "ok: Some(3000000)",
            "ok: 1",
        ]
    );
}
