//! Alarms as workerd was seen to run them (`docs/semantics.md`, "Alarms"): set,
//! read and delete; a past time clamped to now; retries with backoff and a
//! retry count; a failing handler's writes kept; `delete_all` and the alarm.

mod common;

use std::time::{Duration, SystemTime};

use dosim::{AlarmInfo, DurableObject, Env, Faults, Result, State};

struct Alarmed {
    state: State,
}

impl DurableObject for Alarmed {
    fn new(state: State, _env: Env) -> Self {
        Alarmed { state }
    }

    async fn alarm(&self, info: AlarmInfo) -> Result<()> {
        let storage = self.state.storage();
        let mut runs: Vec<(u64, u32, bool, bool)> = storage.get("runs").await?.unwrap_or_default();
        let seen_alarm = storage.get_alarm().await?.is_some();
        runs.push((
            dosim::elapsed().as_millis() as u64,
            info.retry_count,
            info.is_retry,
            seen_alarm,
        ));
        storage.put("runs", &runs).await?;
        let fail: u32 = storage.get("fail").await?.unwrap_or(0);
        if info.retry_count < fail {
            return Err(dosim::Error::new("alarm boom"));
        }
        Ok(())
    }
}

dosim::rpc! {
    trait AlarmedRpc for Alarmed {
        async fn arm(&self, in_ms: i64, fail: u32) -> Result<Option<u64>> {
            let storage = self.state.storage();
            storage.put("fail", &fail).await?;
            let at = if in_ms >= 0 {
                dosim::now() + Duration::from_millis(in_ms as u64)
            } else {
                dosim::now() - Duration::from_millis((-in_ms) as u64)
            };
            storage.set_alarm(at).await?;
            Ok(storage.get_alarm().await?.map(ms_since_start))
        }

        async fn arm_after(&self, delay_ms: u64) -> Result<(u64, Option<u64>)> {
            let storage = self.state.storage();
            let set_at = ms_since_start(dosim::now());
            storage.set_alarm(Duration::from_millis(delay_ms)).await?;
            Ok((set_at, storage.get_alarm().await?.map(ms_since_start)))
        }

        async fn runs(&self) -> Result<Vec<(u64, u32, bool, bool)>> {
            Ok(self.state.storage().get("runs").await?.unwrap_or_default())
        }

        async fn alarm_at(&self) -> Result<Option<u64>> {
            Ok(self.state.storage().get_alarm().await?.map(ms_since_start))
        }

        async fn bad_times(&self) -> Result<Vec<String>> {
            let storage = self.state.storage();
            Ok(vec![
                storage.set_alarm_ms(-5.0).await.unwrap_err().to_string(),
                storage.set_alarm_ms(f64::NAN).await.unwrap_err().to_string(),
            ])
        }

        async fn wipe(&self) -> Result<Option<u64>> {
            self.state.storage().delete_all().await?;
            Ok(self.state.storage().get_alarm().await?.map(ms_since_start))
        }
    }
}

/// Simulated milliseconds since the run began.
fn ms_since_start(t: SystemTime) -> u64 {
    let start =
        SystemTime::UNIX_EPOCH + Duration::from_millis(dosim::sim::SIM_START_UNIX_MS as u64);
    t.duration_since(start).unwrap().as_millis() as u64
}

fn check(name: &str, body: fn(dosim::Sim) -> futures::future::LocalBoxFuture<'static, Result<()>>) {
    common::check(name, 5, body);
}

#[test]
fn an_alarm_fires_once_on_time_and_is_then_gone() {
    check("alarm_once", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Alarmed>("ALARMED")?;
            let obj = ns.get_by_name("a");
            let set_at = dosim::elapsed().as_millis() as u64;
            let at = obj.arm(1000, 0).await?.expect("alarm set");
            assert!(at >= set_at + 1000, "scheduled {at}, set at {set_at}");
            dosim::sleep(Duration::from_secs(5)).await;
            let runs = obj.runs().await?;
            assert_eq!(runs.len(), 1, "{runs:?}");
            let (ran_at, retry, is_retry, saw_alarm) = runs[0];
            assert!(ran_at >= at && ran_at <= at + 5, "due {at}, ran {ran_at}");
            assert_eq!((retry, is_retry), (0, false));
            assert!(!saw_alarm, "get_alarm is empty while the handler runs");
            assert_eq!(obj.alarm_at().await?, None, "deleted after success");
            Ok(())
        })
    });
}

#[test]
fn an_alarm_set_as_a_delay_fires_that_long_after_it_was_set() {
    check("alarm_after_delay", |sim| {
        Box::pin(async move {
            let obj = sim.register::<Alarmed>("ALARMED")?.get_by_name("a");
            dosim::sleep(Duration::from_millis(250)).await;
            let (set_at, at) = obj.arm_after(30_000).await?;
            assert_eq!(at, Some(set_at + 30_000), "set at {set_at}");
            dosim::sleep(Duration::from_secs(40)).await;
            let runs = obj.runs().await?;
            assert_eq!(runs.len(), 1, "{runs:?}");
            assert!(runs[0].0 >= set_at + 30_000, "ran at {}", runs[0].0);
            Ok(())
        })
    });
}

#[test]
fn a_past_alarm_is_clamped_to_now_and_fires_at_once() {
    check("alarm_past", |sim| {
        Box::pin(async move {
            let obj = sim.register::<Alarmed>("ALARMED")?.get_by_name("a");
            let now = dosim::elapsed().as_millis() as u64;
            let at = obj.arm(-1000, 0).await?.expect("alarm set");
            assert!(at >= now, "clamped to now: {at} >= {now}");
            dosim::sleep(Duration::from_secs(1)).await;
            assert_eq!(obj.runs().await?.len(), 1);
            Ok(())
        })
    });
}

#[test]
fn a_failing_alarm_is_retried_with_backoff_and_keeps_its_writes() {
    check("alarm_retries", |sim| {
        Box::pin(async move {
            let obj = sim.register::<Alarmed>("ALARMED")?.get_by_name("a");
            let at = obj.arm(10, 3).await?.expect("alarm set");
            dosim::sleep(Duration::from_secs(4)).await;
            assert_eq!(
                obj.alarm_at().await?,
                Some(at),
                "between retries, the original time"
            );
            dosim::sleep(Duration::from_secs(60)).await;
            let runs = obj.runs().await?;
            let counts: Vec<(u32, bool)> = runs.iter().map(|r| (r.1, r.2)).collect();
            assert_eq!(
                counts,
                [(0, false), (1, true), (2, true), (3, true)],
                "failed tries' writes are kept"
            );
            for (k, pair) in runs.windows(2).enumerate() {
                let gap = pair[1].0 - pair[0].0;
                let base = 2000u64 << k;
                assert!(
                    gap >= base && gap <= base * 5 / 4 + 10,
                    "retry {}: gap {gap} ms",
                    k + 1
                );
            }
            assert_eq!(obj.alarm_at().await?, None, "deleted after the success");
            Ok(())
        })
    });
}

#[test]
fn an_alarm_that_always_fails_is_given_up_after_six_retries() {
    check("alarm_gives_up", |sim| {
        Box::pin(async move {
            let obj = sim.register::<Alarmed>("ALARMED")?.get_by_name("a");
            obj.arm(10, 100).await?;
            dosim::sleep(Duration::from_secs(300)).await;
            assert_eq!(
                obj.runs().await?.len(),
                1 + dosim::ALARM_RETRIES_MAX as usize
            );
            Ok(())
        })
    });
}

#[test]
fn bad_alarm_times_get_workerds_errors() {
    check("alarm_bad_times", |sim| {
        Box::pin(async move {
            let obj = sim.register::<Alarmed>("ALARMED")?.get_by_name("a");
            assert_eq!(
            obj.bad_times().await?,
            [
                "TypeError: setAlarm() cannot be called with an alarm time <= 0",
                "TypeError: Failed to execute 'setAlarm' on 'DurableObjectStorage': parameter 1 \
                 is not of type 'date'.",
            ]
        );
            Ok(())
        })
    });
}

#[test]
fn delete_all_deletes_the_alarm_unless_the_namespace_keeps_it() {
    check("alarm_delete_all", |sim| {
        Box::pin(async move {
            let ns = sim.register::<Alarmed>("ALARMED")?;
            ns.get_by_name("a").arm(60_000, 0).await?;
            assert_eq!(ns.get_by_name("a").wipe().await?, None);
            ns.set_delete_all_preserves_alarm(true);
            let at = ns.get_by_name("b").arm(60_000, 0).await?;
            assert_eq!(ns.get_by_name("b").wipe().await?, at);
            dosim::sleep(Duration::from_secs(70)).await;
            assert_eq!(
                ns.get_by_name("a").runs().await?.len(),
                0,
                "a deleted alarm never fires"
            );
            Ok(())
        })
    });
}

/// Works through a count one step per alarm, the way work drained from an
/// alarm is often written: while steps remain, the handler first sets the
/// alarm again "as soon as possible", which is its own scheduled time when
/// the clock has not moved since it fired.
struct Drain {
    state: State,
    left: std::cell::Cell<u32>,
}

impl DurableObject for Drain {
    fn new(state: State, _env: Env) -> Self {
        Drain {
            state,
            left: std::cell::Cell::new(0),
        }
    }

    async fn alarm(&self, _info: AlarmInfo) -> Result<()> {
        let storage = self.state.storage();
        let left = self.left.get();
        let mut hidden = false;
        if left > 1 {
            let now = dosim::now();
            storage.set_alarm(now).await?;
            let shown = storage.get_alarm().await?.map(ms_since_start);
            hidden = shown != Some(ms_since_start(now));
        }
        self.left.set(left.saturating_sub(1));
        let mut steps: Vec<(u64, bool)> = storage.get("steps").await?.unwrap_or_default();
        steps.push((dosim::elapsed().as_millis() as u64, hidden));
        storage.put("steps", &steps).await?;
        Ok(())
    }
}

dosim::rpc! {
    trait DrainRpc for Drain {
        async fn start(&self, steps: u32) -> Result<()> {
            self.left.set(steps);
            self.state.storage().set_alarm(Duration::from_millis(100)).await?;
            Ok(())
        }

        /// Each step's time and whether `get_alarm` hid the alarm it set;
        /// the alarm left.
        async fn steps(&self) -> Result<(Vec<(u64, bool)>, Option<u64>)> {
            let storage = self.state.storage();
            let steps = storage.get("steps").await?.unwrap_or_default();
            Ok((steps, storage.get_alarm().await?.map(ms_since_start)))
        }
    }
}

#[test]
fn an_alarm_the_handler_sets_again_for_now_is_kept_and_runs_again() {
    check("alarm_set_again_now", |sim| {
        Box::pin(async move {
            let obj = sim.register::<Drain>("DRAIN")?.get_by_name("d");
            obj.start(5).await?;
            dosim::sleep(Duration::from_secs(60)).await;
            let (steps, left) = obj.steps().await?;
            assert_eq!(steps.len(), 5, "one step per alarm: {steps:?}");
            assert_eq!(left, None, "no alarm after the last step");
            assert!(
                steps.iter().all(|(_, hidden)| !hidden),
                "get_alarm shows an alarm the handler set: {steps:?}"
            );
            let took = steps[4].0 - steps[0].0;
            assert!(
                took < 1000,
                "the steps follow at once, with no retry: {steps:?}"
            );
            Ok(())
        })
    });
}

use dosim_workloads::{subscription, subscription_double_charge};

#[test]
fn subscriptions_bill_every_month_exactly_once_for_a_year_under_faults() {
    let report = subscription::runner("subscription")
        .seeds(25)
        .faults(Faults::Swarm)
        .quiet()
        .run(subscription::workload::<subscription::Subscription>);
    assert!(
        report.passed(),
        "{:?}",
        report.failures.first().map(|f| &f.text)
    );
    assert!(report.faults_injected.values().sum::<u64>() > 0);
}

#[test]
fn a_subscription_that_charges_without_an_idempotency_key_is_caught() {
    let report = subscription::runner("subscription_double_charge")
        .seeds(40)
        .faults(Faults::Swarm)
        .quiet()
        .run(subscription::workload::<subscription_double_charge::DoubleCharge>);
    let failure = report
        .failures
        .first()
        .expect("the double charge went unnoticed");
    assert!(
        failure.text.contains("times for period"),
        "caught for another reason: {}",
        failure.text
    );
}
