//! Bad input gets a clear error that names the problem, and loses nothing:
//! the harness reports and carries on; it never crashes or hangs.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use clap::Parser;
use dosim::{Cli, DurableObject, Env, FailureReason, Result, Runner, Seed, State};

struct Fragile {
    state: State,
}

impl DurableObject for Fragile {
    fn new(state: State, _env: Env) -> Self {
        Fragile { state }
    }
}

dosim::rpc! {
    trait FragileRpc for Fragile {
        async fn explode(&self) -> Result<()> {
            let v: Vec<u8> = Vec::new();
            let _ = v[3]; // an index out of bounds: a bug in the object
            Ok(())
        }

        async fn store(&self, key: String) -> Result<()> {
            let mut odd = HashMap::new();
            odd.insert((1u8, 2u8), 3u8);
            self.state.storage().put(&key, &odd).await
        }

        async fn echo(&self, n: u64) -> Result<u64> {
            Ok(n)
        }

        async fn take(&self, _map: HashMap<(u8, u8), u8>) -> Result<()> {
            Ok(())
        }

        async fn spin(&self) -> Result<()> {
            loop {
                dosim::sleep(Duration::from_nanos(1)).await;
            }
        }

        async fn list_none(&self) -> Result<usize> {
            let opts = dosim::ListOptions { limit: Some(0), ..Default::default() };
            Ok(self.state.storage().list::<u64>(opts).await?.len())
        }
    }
}

#[test]
fn an_invalid_seed_names_the_input() {
    let err = "0xnothex".parse::<Seed>().unwrap_err().to_string();
    assert!(err.contains("invalid seed `0xnothex`"), "{err}");
    let cli = Cli::try_parse_from(["counter", "--seed", "banana"])
        .unwrap_err()
        .to_string();
    assert!(cli.contains("invalid seed `banana`"), "{cli}");
    assert!(Cli::try_parse_from(["counter", "--seeds", "ten"]).is_err());
}

#[test]
fn a_malformed_id_string_gets_the_runtime_text() {
    Runner::new("malformed_id")
        .seeds(1)
        .run(|sim| async move {
            let ns = sim.register::<Fragile>("FRAGILE")?;
            let other = sim.register::<Fragile>("OTHER")?;
            let e = ns.id_from_string("not an id").unwrap_err();
            assert_eq!(
                e.to_string(),
                "TypeError: Invalid Durable Object ID: must be 64 hex digits"
            );
            let foreign = other.id_from_name("x").to_hex();
            let e = ns.id_from_string(&foreign).unwrap_err();
            assert_eq!(
                e.message(),
                "Durable Object ID is not valid for this namespace."
            );
            let own = ns.new_unique_id();
            assert_eq!(ns.id_from_string(&own.to_hex())?, own);
            Ok(())
        })
        .assert_passed();
}

#[test]
fn a_panicking_object_fails_its_caller_and_the_run_goes_on() {
    let record = Runner::new("panicking_object").record(Seed(1), |sim| async move {
        let stub = sim.register::<Fragile>("FRAGILE")?.get_by_name("f");
        let e = stub.explode().await.unwrap_err();
        assert!(e.remote, "a panic is an error thrown inside the object");
        assert!(e.message().contains("index out of bounds"), "{e}");
        assert!(e.message().contains("bad_input.rs"), "names the place: {e}");
        // The object keeps serving, as after an uncaught exception.
        assert_eq!(stub.echo(5).await?, 5);
        Ok(())
    });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    assert!(record
        .trace
        .iter()
        .any(|e| matches!(&e.what, dosim::sim::What::Panicked { message, .. } if message.contains("index out of bounds"))));
}

#[test]
fn a_value_that_does_not_serialize_is_an_error_not_a_crash() {
    Runner::new("unserializable")
        .seeds(2)
        .run(|sim| async move {
            let stub = sim.register::<Fragile>("FRAGILE")?.get_by_name("f");
            let mut odd = HashMap::new();
            odd.insert((1u8, 2u8), 3u8);
            let e = stub.take(odd).await.unwrap_err();
            assert_eq!(e.name(), "DataCloneError");
            assert!(
                e.message()
                    .contains("an argument of take() could not be serialized"),
                "{e}"
            );
            let e = stub.store("k".into()).await.unwrap_err();
            assert_eq!(e.name(), "DataCloneError");
            assert!(e.message().contains("the value for key `k`"), "{e}");
            assert_eq!(stub.echo(1).await?, 1, "the stub still works");
            Ok(())
        })
        .assert_passed();
}

#[test]
fn a_list_limit_of_zero_gets_the_runtime_text() {
    Runner::new("list_limit")
        .seeds(1)
        .run(|sim| async move {
            let stub = sim.register::<Fragile>("FRAGILE")?.get_by_name("f");
            let e = stub.list_none().await.unwrap_err();
            assert_eq!(e.to_string(), "TypeError: List limit must be positive.");
            Ok(())
        })
        .assert_passed();
}

#[test]
fn an_unknown_binding_lists_the_known_ones() {
    Runner::new("unknown_binding")
        .seeds(1)
        .run(|sim| async move {
            sim.register::<Fragile>("FRAGILE")?;
            let e = sim.client(1).namespace::<Fragile>("FRAGLE").unwrap_err();
            assert!(e.message().contains("no binding named `FRAGLE`"), "{e}");
            assert!(e.message().contains("FRAGILE"), "{e}");
            Ok(())
        })
        .assert_passed();
}

#[test]
fn a_body_that_never_finishes_hits_the_deadline_fast() {
    let started = Instant::now();
    let record = Runner::new("hangs")
        .deadline(Duration::from_secs(3600))
        .record(Seed(3), |_sim| std::future::pending::<Result<()>>());
    assert_eq!(
        record.failure,
        Some(FailureReason::Deadline(Duration::from_secs(3600)))
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "simulated time, not wall time"
    );
}

#[test]
fn a_runaway_object_hits_the_step_bound() {
    let record = Runner::new("runaway")
        .steps_max(10_000)
        .record(Seed(4), |sim| async move {
            sim.register::<Fragile>("FRAGILE")?
                .get_by_name("f")
                .spin()
                .await
        });
    assert_eq!(record.failure, Some(FailureReason::StepBound(10_000)));
}

#[test]
fn an_assertion_in_the_body_is_a_failure_with_its_message() {
    let record = Runner::new("assertion").record(Seed(5), |_sim| async move {
        assert_eq!(1 + 1, 3, "arithmetic still works");
        Ok(())
    });
    match record.failure {
        Some(FailureReason::Panic(m)) => assert!(m.contains("arithmetic still works"), "{m}"),
        other => panic!("expected a panic failure, got {other:?}"),
    }
}
