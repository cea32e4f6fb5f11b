//! The KV namespace keeps Workers KV's rules: the writer reads its write at
//! once, other locations within the staleness bound; `cache_ttl` lengthens
//! it; one write a second per key; the product's limits and error texts;
//! expiry on simulated time; pages of keys; its faults; one seed, one trace.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dosim::platform::kv::{GetOptions, ListOptions, PutOptions};
use dosim::sim::{FaultKind, FaultPlan, What};
use dosim::{Faults, Result, Runner, Seed, Sim};

/// A fault-free sweep of `seeds` seeds of `body`, which must pass.
fn passes<F, Fut>(test: &str, seeds: u64, body: F)
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + 'static,
{
    Runner::new(test)
        .faults(Faults::None)
        .seeds(seeds)
        .quiet()
        .run(body)
        .assert_passed();
}

const MINUTE: Duration = Duration::from_secs(60);

#[test]
fn the_writer_reads_its_write_at_once() {
    passes("kv_read_your_write", 5, |sim: Sim| async move {
        let flags = sim.kv_namespace("FLAGS")?;
        assert_eq!(flags.get("k").await?, None);
        flags.put("k", "v1").await?;
        assert_eq!(flags.get("k").await?.as_deref(), Some("v1"));
        dosim::sleep(Duration::from_secs(1)).await;
        flags.delete("k").await?;
        assert_eq!(flags.get("k").await?, None);
        Ok(())
    });
}

/// Client 1 caches a "not found", client 0 writes; returns whether client
/// 1 read the write at once, and asserts it does after the bound.
async fn stale_then_fresh(sim: &Sim, options: GetOptions, bound: Duration) -> Result<bool> {
    sim.kv_namespace("FLAGS")?;
    let writer = sim.client(0).kv_namespace("FLAGS")?;
    let reader = sim.client(1).kv_namespace("FLAGS")?;
    assert_eq!(reader.get_with("k", options.clone()).await?, None);
    writer.put("k", "on").await?;
    let at_once = reader.get_with("k", options.clone()).await?.is_some();
    dosim::sleep(bound).await;
    let later = reader.get_with("k", options).await?;
    assert_eq!(later.as_deref(), Some("on"), "stale past the bound");
    Ok(at_once)
}

#[test]
fn other_locations_may_read_stale_but_never_past_the_bound() {
    let stale = Arc::new(AtomicU64::new(0));
    let seen = stale.clone();
    passes("kv_stale_bounded", 10, move |sim: Sim| {
        let stale = stale.clone();
        async move {
            let fresh = stale_then_fresh(&sim, GetOptions::default(), MINUTE).await?;
            stale.fetch_add(u64::from(!fresh), Ordering::Relaxed);
            Ok(())
        }
    });
    assert!(
        seen.load(Ordering::Relaxed) >= 5,
        "a cached not-found is usually still there"
    );
}

#[test]
fn cache_ttl_lengthens_the_staleness_of_what_it_caches() {
    passes("kv_cache_ttl", 5, |sim: Sim| async move {
        let long = GetOptions::cache_ttl(Duration::from_secs(300));
        stale_then_fresh(&sim, long, Duration::from_secs(300)).await?;
        let flags = sim.kv_namespace("FLAGS")?;
        let err = flags
            .get_with("k", GetOptions::cache_ttl(Duration::from_secs(30)))
            .await
            .unwrap_err();
        assert_eq!(
            err.message(),
            "KV GET failed: 400 Invalid cache_ttl of 30. Cache TTL must be at least 60."
        );
        Ok(())
    });
    // Some copy cached for 300 s outlives 60 s.
    let outlived = Arc::new(AtomicU64::new(0));
    let seen = outlived.clone();
    passes("kv_cache_ttl_long", 10, move |sim: Sim| {
        let outlived = outlived.clone();
        async move {
            sim.kv_namespace("FLAGS")?;
            let reader = sim.client(1).kv_namespace("FLAGS")?;
            let long = GetOptions::cache_ttl(Duration::from_secs(300));
            reader.get_with("k", long.clone()).await?;
            sim.kv_namespace("FLAGS")?.put("k", "on").await?;
            dosim::sleep(Duration::from_secs(90)).await;
            let read = reader.get_with("k", long).await?;
            outlived.fetch_add(u64::from(read.is_none()), Ordering::Relaxed);
            Ok(())
        }
    });
    assert!(seen.load(Ordering::Relaxed) >= 3);
}

#[test]
fn a_second_write_to_a_key_within_a_second_is_refused() {
    passes("kv_429", 3, |sim: Sim| async move {
        let flags = sim.kv_namespace("FLAGS")?;
        flags.put("k", "1").await?;
        let err = flags.put("k", "2").await.unwrap_err();
        assert_eq!(err.message(), "KV PUT failed: 429 Too Many Requests");
        let err = flags.delete("k").await.unwrap_err();
        assert_eq!(err.message(), "KV DELETE failed: 429 Too Many Requests");
        flags.put("other", "x").await?;
        dosim::sleep(Duration::from_secs(1)).await;
        flags.put("k", "2").await?;
        assert_eq!(flags.get("k").await?.as_deref(), Some("2"));
        Ok(())
    });
}

#[test]
fn bad_input_gets_the_products_error_texts() {
    passes("kv_limits", 1, |sim: Sim| async move {
        let flags = sim.kv_namespace("FLAGS")?;
        let msg = |e: dosim::Error| e.message().to_string();
        let long = "k".repeat(513);
        assert_eq!(
            msg(flags.put(&long, "v").await.unwrap_err()),
            "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."
        );
        assert_eq!(
            msg(flags.get(&long).await.unwrap_err()),
            "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."
        );
        assert_eq!(
            msg(flags.get("").await.unwrap_err()),
            "Key name cannot be empty."
        );
        assert_eq!(
            msg(flags.put("..", "v").await.unwrap_err()),
            "\"..\" is not allowed as a key name."
        );
        let put = |opts: PutOptions| flags.put_with("k", "v", opts);
        assert_eq!(
            msg(put(PutOptions::expiration_ttl(30)).await.unwrap_err()),
            "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60."
        );
        assert_eq!(
            msg(put(PutOptions::expiration_ttl(0)).await.unwrap_err()),
            "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0."
        );
        assert!(msg(put(PutOptions::expiration(10)).await.unwrap_err())
            .ends_with("Please specify integer greater than the current number of seconds since the UNIX epoch."));
        let big = serde_json::json!({ "pad": "x".repeat(1100) });
        assert!(msg(put(PutOptions::default().with_metadata(big))
            .await
            .unwrap_err())
        .starts_with("KV PUT failed: 413 Metadata length of 1"));
        assert_eq!(
            msg(flags.list(ListOptions::default().with_limit(1001)).await.unwrap_err()),
            "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000."
        );
        let unbound = sim.client(0).kv_namespace("NOPE").unwrap_err();
        assert!(
            unbound.to_string().contains("no KV namespace named `NOPE`"),
            "{unbound}"
        );
        Ok(())
    });
}

#[test]
fn keys_expire_on_simulated_time() {
    passes("kv_expiry", 2, |sim: Sim| async move {
        let flags = sim.kv_namespace("FLAGS")?;
        let meta = serde_json::json!({ "by": "admin" });
        flags
            .put_with(
                "k",
                "v",
                PutOptions::expiration_ttl(60).with_metadata(meta.clone()),
            )
            .await?;
        let got = flags.get_with_metadata("k", GetOptions::default()).await?;
        assert_eq!(
            (got.value.as_deref(), got.metadata),
            (Some("v"), Some(meta))
        );
        let listed = flags.list(ListOptions::default()).await?;
        assert!(listed.keys[0].expiration.is_some());
        dosim::sleep(Duration::from_secs(61)).await;
        assert_eq!(flags.get("k").await?, None);
        assert!(flags.list(ListOptions::default()).await?.keys.is_empty());
        Ok(())
    });
}

#[test]
fn lists_come_in_pages_with_a_cursor() {
    passes("kv_list", 2, |sim: Sim| async move {
        let flags = sim.kv_namespace("FLAGS")?;
        for i in 0..5 {
            flags.put(&format!("user:{i}"), "x").await?;
        }
        flags.put("zzz", "x").await?;
        let mut names = Vec::new();
        let mut options = ListOptions::prefix("user:").with_limit(2);
        loop {
            let page = flags.list(options.clone()).await?;
            names.extend(page.keys.into_iter().map(|k| k.name));
            match page.cursor {
                Some(c) if !page.list_complete => options = options.with_cursor(c),
                _ => break,
            }
        }
        assert_eq!(names, ["user:0", "user:1", "user:2", "user:3", "user:4"]);
        Ok(())
    });
}

/// Sweeps `body` under `plan`; returns the report.
fn under(
    plan: FaultPlan,
    seeds: u64,
    body: fn(Sim) -> futures::future::LocalBoxFuture<'static, Result<()>>,
) -> dosim::Report {
    Runner::new("kv_faults")
        .faults(Faults::Plan(plan))
        .seeds(seeds)
        .quiet()
        .run(body)
}

#[test]
fn faults_fail_slow_down_and_stale_operations_and_are_counted() {
    let failing = FaultPlan::none().with_rate(FaultKind::KvFailure, 100.0);
    let report = under(failing, 2, |sim| {
        Box::pin(async move {
            let err = sim.kv_namespace("FLAGS")?.get("k").await.unwrap_err();
            assert_eq!(err.message(), "KV GET failed: 503 Service Unavailable");
            Ok(())
        })
    });
    report.assert_passed();
    assert_eq!(report.faults_injected.get(&FaultKind::KvFailure), Some(&2));

    let slow = FaultPlan::none().with_rate(FaultKind::KvSlow, 100.0);
    let report = under(slow, 2, |sim| {
        Box::pin(async move {
            let started = sim.elapsed();
            sim.kv_namespace("FLAGS")?.get("k").await?;
            assert!(sim.elapsed() - started >= Duration::from_millis(100));
            Ok(())
        })
    });
    report.assert_passed();
    assert_eq!(report.faults_injected.get(&FaultKind::KvSlow), Some(&2));

    let stale = FaultPlan::none().with_rate(FaultKind::KvStale, 100.0);
    let report = under(stale, 2, |sim| {
        Box::pin(async move {
            sim.kv_namespace("FLAGS")?;
            let reader = sim.client(1).kv_namespace("FLAGS")?;
            reader.get("k").await?;
            sim.kv_namespace("FLAGS")?.put("k", "on").await?;
            dosim::sleep(Duration::from_secs(59)).await;
            assert_eq!(reader.get("k").await?, None, "kept the whole bound");
            Ok(())
        })
    });
    report.assert_passed();
    assert!(report.faults_injected.get(&FaultKind::KvStale) >= Some(&2));
}

#[test]
fn one_seed_gives_one_trace_and_swarm_keeps_service_faults_apart() {
    let runner = Runner::new("kv_determinism").faults(Faults::Swarm);
    let body = |sim: Sim| async move {
        dosim_workloads::session::workload::<dosim_workloads::session::Session>(sim).await
    };
    for i in 0..3 {
        let a = runner.record(Seed::nth(i), body);
        let b = runner.record(Seed::nth(i), body);
        assert_eq!(a.trace, b.trace);
        assert!(a
            .trace
            .iter()
            .any(|e| matches!(e.what, What::KvRead { .. })));
    }
    // A swarm plan's service faults are kept apart from the rest.
    let plan = FaultPlan::swarm(Seed::nth(0));
    assert!(plan.rates().keys().all(|k| !k.is_service()));
}
