//! The bucket binding keeps R2's semantics (conditions, ranges, listings,
//! limits and their error texts), its faults do what they say, and a run
//! with a bucket is a function of its seed.

use std::collections::BTreeMap;
use std::time::Duration;

use dosim::platform::bucket::{
    BucketListOptions, Conditional, GetOptions, PutOptions, Range, BUCKET_KEY_BYTES_MAX,
};
use dosim::sim::{Fault, FaultKind, FaultPlan};
use dosim::{DurableObject, Env, Faults, Result, Runner, Seed, Sim, State};

/// A fault-free sweep of `seeds` seeds: these test what operations do.
fn clean(name: &str) -> Runner {
    Runner::new(name).faults(Faults::None).seeds(2).quiet()
}

#[test]
fn put_get_and_head_round_trip_an_object_with_its_metadata() {
    clean("bucket_round_trip")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket("ARCHIVE")?;
            let options = PutOptions {
                custom_metadata: BTreeMap::from([("room".to_string(), "7".to_string())]),
                ..PutOptions::default()
            };
            let put = bucket.put("a/1", "hello", options).await?.expect("written");
            assert_eq!(put.size, 5);
            assert_eq!(put.etag.len(), 32);
            assert_eq!(put.http_etag, format!("\"{}\"", put.etag));
            assert_eq!(put.version.len(), 32);
            let got = bucket
                .get("a/1", GetOptions::default())
                .await?
                .expect("there");
            assert_eq!(got.text(), "hello");
            assert_eq!(got.etag, put.etag);
            assert_eq!(got.custom_metadata["room"], "7");
            let head = bucket.head("a/1").await?.expect("there");
            assert_eq!(head.body, None);
            assert_eq!(head.uploaded, put.uploaded);
            assert_eq!(bucket.get("nope", GetOptions::default()).await?, None);
            // Same body, same etag; another upload, another version.
            let again = bucket
                .put("a/2", "hello", PutOptions::default())
                .await?
                .unwrap();
            assert_eq!(again.etag, put.etag);
            assert_ne!(again.version, put.version);
            bucket.delete_many(&["a/1", "missing"]).await?;
            assert_eq!(bucket.head("a/1").await?, None);
            Ok(())
        })
        .assert_passed();
}

#[test]
fn conditional_puts_return_none_and_conditional_gets_drop_the_body() {
    clean("bucket_conditions")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket("B")?;
            let only_if = |c: Conditional| PutOptions {
                only_if: Some(c),
                ..PutOptions::default()
            };
            let first = bucket
                .put("k", "v1", only_if(Conditional::etag_does_not_match("*")))
                .await?
                .expect("absent: written");
            let create_again = bucket
                .put("k", "v2", only_if(Conditional::etag_does_not_match("*")))
                .await?;
            assert_eq!(create_again, None, "exists: not written");
            let wrong = bucket
                .put("k", "v2", only_if(Conditional::etag_matches("0000")))
                .await?;
            assert_eq!(wrong, None);
            let swapped = bucket
                .put("k", "v2", only_if(Conditional::etag_matches(&first.etag)))
                .await?
                .expect("etag matched: written");
            let stale = GetOptions {
                only_if: Some(Conditional::etag_matches(&first.etag)),
                ..GetOptions::default()
            };
            let meta = bucket.get("k", stale).await?.expect("metadata");
            assert_eq!((meta.body, meta.etag), (None, swapped.etag.clone()));
            let quoted = GetOptions {
                only_if: Some(Conditional::etag_matches(&swapped.http_etag)),
                ..GetOptions::default()
            };
            let err = bucket.get("k", quoted).await.unwrap_err();
            assert!(
                err.message().contains("should not be wrapped in quotes"),
                "{err}"
            );
            Ok(())
        })
        .assert_passed();
}

#[test]
fn range_reads_return_the_bytes_asked_for() {
    clean("bucket_ranges")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket("B")?;
            bucket.put("k", "0123456789", PutOptions::default()).await?;
            let read = |range| {
                let bucket = bucket.clone();
                async move {
                    let options = GetOptions {
                        range: Some(range),
                        ..GetOptions::default()
                    };
                    bucket.get("k", options).await.map(|o| o.unwrap().text())
                }
            };
            let offset = |offset, length| Range::Offset { offset, length };
            assert_eq!(read(offset(2, Some(3))).await?, "234");
            assert_eq!(read(offset(7, None)).await?, "789");
            assert_eq!(read(offset(8, Some(50))).await?, "89");
            assert_eq!(read(Range::Suffix(4)).await?, "6789");
            assert_eq!(read(Range::Suffix(40)).await?, "0123456789");
            let err = read(offset(11, None)).await.unwrap_err();
            assert_eq!(
                err.message(),
                "get: The requested range is not satisfiable (10039)"
            );
            Ok(())
        })
        .assert_passed();
}

#[test]
fn listings_roll_up_by_delimiter_and_page_by_cursor() {
    clean("bucket_list")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket("B")?;
            for key in ["a/1", "a/2", "b/x/1", "b/y", "c"] {
                bucket.put(key, key, PutOptions::default()).await?;
            }
            let rolled = bucket
                .list(BucketListOptions {
                    delimiter: Some("/".into()),
                    ..BucketListOptions::default()
                })
                .await?;
            assert_eq!(rolled.delimited_prefixes, vec!["a/", "b/"]);
            let keys: Vec<_> = rolled.objects.iter().map(|o| o.key.as_str()).collect();
            assert_eq!(keys, vec!["c"]);
            assert!(!rolled.truncated);
            let mut all = Vec::new();
            let mut cursor = None;
            loop {
                let page = bucket
                    .list(BucketListOptions {
                        prefix: Some("b/".into()),
                        limit: Some(1),
                        cursor: cursor.take(),
                        ..BucketListOptions::default()
                    })
                    .await?;
                all.extend(page.objects.into_iter().map(|o| o.key));
                if !page.truncated {
                    break;
                }
                cursor = page.cursor;
            }
            assert_eq!(all, vec!["b/x/1", "b/y"]);
            Ok(())
        })
        .assert_passed();
}

#[test]
fn limits_fail_with_r2s_error_texts() {
    clean("bucket_limits")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket("B")?;
            let long = "k".repeat(BUCKET_KEY_BYTES_MAX + 1);
            let err = bucket
                .put(&long, "v", PutOptions::default())
                .await
                .unwrap_err();
            assert_eq!(
                err.message(),
                "put: The specified object name is not valid. (10020)"
            );
            let fat = PutOptions {
                custom_metadata: BTreeMap::from([("m".to_string(), "x".repeat(9_000))]),
                ..PutOptions::default()
            };
            let err = bucket.put("k", "v", fat).await.unwrap_err();
            assert_eq!(
                err.message(),
                "put: Your metadata headers exceed the maximum allowed metadata size. (10012)"
            );
            let err = bucket
                .list(BucketListOptions {
                    limit: Some(1001),
                    ..BucketListOptions::default()
                })
                .await
                .unwrap_err();
            assert_eq!(
                err.message(),
                "list: MaxKeys params must be positive integer <= 1000. (10022)"
            );
            assert_eq!(bucket.head("k").await?, None, "nothing was written");
            sim.set_var("V", "x")?;
            let wrong = sim.bucket("V").unwrap_err().to_string();
            assert!(
                wrong.contains("`V` is already a variable, not a bucket"),
                "{wrong}"
            );
            Ok(())
        })
        .assert_passed();
}

/// An object that archives through its `Env`.
struct Archiver {
    env: Env,
}

impl DurableObject for Archiver {
    fn new(_state: State, env: Env) -> Self {
        Archiver { env }
    }
}

#[dosim::rpc_methods(ArchiverRpc)]
impl Archiver {
    async fn archive(&self, key: String, body: String) -> Result<u64> {
        let bucket = self.env.bucket("ARCHIVE")?;
        let object = bucket.put(&key, body, PutOptions::default()).await?;
        Ok(object.map_or(0, |o| o.size))
    }
}

#[test]
fn objects_reach_the_bucket_through_their_env() {
    clean("bucket_from_objects")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket("ARCHIVE")?;
            let archiver = sim.register::<Archiver>("ARCHIVER")?.get_by_name("a");
            assert_eq!(archiver.archive("x".into(), "body".into()).await?, 4);
            let got = bucket
                .get("x", GetOptions::default())
                .await?
                .expect("archived");
            assert_eq!(got.text(), "body");
            Ok(())
        })
        .assert_passed();
}

/// A put after the plan armed a fault for it; notes what it answered,
/// whether the object is there after, and whether it took 300 ms or more.
async fn faulty_put(sim: Sim) -> Result<()> {
    let bucket = sim.bucket("B")?;
    dosim::sleep(Duration::from_millis(10)).await;
    let started = sim.elapsed();
    let put = bucket.put("k", "v", PutOptions::default()).await;
    let took = (sim.elapsed() - started).as_millis();
    let there = bucket.head("k").await?.is_some();
    let answer = put.map_or_else(|e| e.message().to_string(), |_| "ok".into());
    sim.note(format!("{answer} | there={there} | slow={}", took >= 300));
    Ok(())
}

/// A runner whose plan arms `fault` at 5 ms.
fn armed(fault: Fault) -> Runner {
    let plan = FaultPlan::none().with_fault(5, fault);
    Runner::new("bucket_fault")
        .faults(Faults::Plan(plan))
        .seeds(1)
        .quiet()
}

/// The note [`faulty_put`] left under `fault`.
fn outcome(fault: Fault) -> String {
    let record = armed(fault).record(Seed::nth(0), faulty_put);
    record
        .trace
        .iter()
        .find_map(|e| match &e.what {
            dosim::sim::What::Note { text } => Some(text.clone()),
            _ => None,
        })
        .expect("the body left its note")
}

#[test]
fn each_bucket_fault_does_what_it_says_and_is_counted() {
    let internal = "put: We encountered an internal error. Please try again. (10001)";
    let b = || "B".to_string();
    assert_eq!(
        outcome(Fault::BucketError { bucket: b() }),
        format!("{internal} | there=false | slow=false"),
        "a failed put writes nothing"
    );
    assert_eq!(
        outcome(Fault::BucketLostPut { bucket: b() }),
        format!("{internal} | there=true | slow=false"),
        "a lost put was written"
    );
    assert_eq!(
        outcome(Fault::BucketSlow {
            bucket: b(),
            extra_ms: 300
        }),
        "ok | there=true | slow=true"
    );
    let report = armed(Fault::BucketLostPut { bucket: b() }).run(faulty_put);
    assert!(report.passed(), "{:?}", report.failures);
    assert_eq!(
        report.faults_injected.get(&FaultKind::BucketLostPut),
        Some(&1)
    );
    assert!(
        report.faults_line().contains("bucket_lost_put 1"),
        "{}",
        report.faults_line()
    );
}

#[test]
fn swarm_mode_draws_bucket_faults_only_in_runs_that_bind_a_bucket() {
    for i in 0..20 {
        let plan = FaultPlan::swarm(Seed::nth(i));
        assert!(FaultKind::BUCKET.iter().all(|k| plan.rate(*k) == 0.0));
    }
    let report = Runner::new("bucket_swarm")
        .faults(Faults::Swarm)
        .seeds(30)
        .quiet()
        .run(|sim: Sim| async move {
            let bucket = sim.bucket("B")?;
            for i in 0..40 {
                let _ = bucket
                    .put(&format!("k{i}"), "v", PutOptions::default())
                    .await;
            }
            Ok(())
        });
    assert!(report.passed(), "{:?}", report.failures);
    for kind in FaultKind::BUCKET {
        assert!(
            report.faults_injected.get(kind).copied().unwrap_or(0) > 0,
            "{kind} never injected: {}",
            report.faults_line()
        );
    }
}

#[test]
fn a_run_with_a_bucket_is_a_function_of_its_seed() {
    let runner = Runner::new("bucket_determinism").faults(Faults::Swarm);
    let body = |sim: Sim| async move {
        let bucket = sim.bucket("B")?;
        let archiver = sim.register::<Archiver>("ARCHIVER")?;
        sim.bucket("ARCHIVE")?;
        for i in 0..10 {
            let _ = bucket
                .put(&format!("k{i}"), "v", PutOptions::default())
                .await;
            let stub = archiver.get_by_name("a");
            let _ = stub.archive(format!("x{i}"), "body".into()).await;
        }
        Ok(())
    };
    for i in 0..3 {
        let a = runner.record(Seed::nth(i), body);
        let b = runner.record(Seed::nth(i), body);
        assert!(a.trace.len() > 50, "{} events", a.trace.len());
        assert_eq!(a.trace, b.trace);
    }
}

#[test]
fn archive_chat_archives_its_batches_in_a_fault_free_run() {
    use dosim_workloads::archive_chat::{self, ArchiveRoom, ArchiveRoomRpc};
    clean("archive_chat_reaches_the_bucket")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket(archive_chat::BUCKET)?;
            let room = sim.register::<ArchiveRoom>("ROOMS")?.get_by_name("lobby");
            for n in 0..25 {
                room.post(format!("m{n}")).await?;
            }
            assert_eq!(room.history().await?.len(), 5, "two batches archived");
            let listing = bucket.list(BucketListOptions::default()).await?;
            let keys: Vec<_> = listing.objects.iter().map(|o| o.key.as_str()).collect();
            assert_eq!(
                keys,
                vec![
                    "archive/lobby/0000000001-0000000010",
                    "archive/lobby/0000000011-0000000020"
                ]
            );
            Ok(())
        })
        .assert_passed();
    // The whole workload, fault-free, for both rooms.
    clean("archive_chat_clean")
        .run(archive_chat::workload::<ArchiveRoom>)
        .assert_passed();
    clean("archive_chat_twin_clean")
        .run(dosim_workloads::archive_chat_early_clear::workload)
        .assert_passed();
}

#[test]
fn session_archives_old_activity_and_reads_it_back_in_order() {
    use dosim_workloads::session::{self, Session, SessionRpc};
    clean("session_reaches_the_bucket")
        .run(|sim: Sim| async move {
            let bucket = sim.bucket(session::BUCKET)?;
            sim.kv_namespace(session::FLAGS)?;
            let user = sim
                .register::<Session>(session::SESSIONS)?
                .get_by_name("ada");
            for n in 0..16 {
                user.act(n, format!("a{n}")).await?;
            }
            assert_eq!(user.log().await?.len(), 8, "two batches archived");
            let listing = bucket.list(BucketListOptions::default()).await?;
            let keys: Vec<_> = listing.objects.iter().map(|o| o.key.as_str()).collect();
            assert_eq!(
                keys,
                vec![
                    "activity/ada/0000000000-0000000003",
                    "activity/ada/0000000004-0000000007"
                ]
            );
            let activity = user.activity().await?;
            let numbers: Vec<i64> = activity.iter().map(|(n, _, _)| *n).collect();
            assert_eq!(numbers, (0..16).collect::<Vec<_>>());
            assert!(
                user.act(3, "late".into()).await.is_err(),
                "an action older than the log is refused"
            );
            Ok(())
        })
        .assert_passed();
}

#[test]
fn the_session_activity_property_rejects_loss_repeats_and_disorder() {
    use dosim_workloads::session::check_activity;
    let entry = |n: i64| (n, "a".to_string(), 0);
    let whole = [entry(0), entry(1), entry(2)];
    assert!(check_activity(&[0, 1, 2], &whole).is_ok());
    let lost = check_activity(&[0, 1, 2], &whole[..2]).unwrap_err();
    assert!(lost.to_string().contains("action 2 was acknowledged"));
    let twice = check_activity(&[0, 1], &[entry(0), entry(1), entry(1)]).unwrap_err();
    assert!(twice.to_string().contains("out of order or twice"));
    let disorder = check_activity(&[0, 1], &[entry(1), entry(0)]).unwrap_err();
    assert!(disorder.to_string().contains("action 0 follows action 1"));
}
