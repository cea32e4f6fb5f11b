//! The Worker entry: requests reach objects through a stateless Worker,
//! `wait_until` work is bounded, cron triggers fire on simulated time, and
//! a test can look inside an object without touching the run.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use dosim::platform::worker::{Context, ScheduledEvent, Worker};
use dosim::trace::What;
use dosim::{DurableObject, Env, Faults, Request, Response, Result, Runner, Seed, Sim, State};
use dosim_workloads::counter::Counter;
use dosim_workloads::counter_front::{increment_request, CounterFront, COUNTER_BINDING};

/// Requests that failed, over every seed of the sweep.
static FAILED_REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Increments each client sends through the Worker.
const REQUESTS_PER_CLIENT: u64 = 4;

#[test]
fn a_worker_in_front_of_a_counter_keeps_acknowledged_at_most_count_at_most_attempted() {
    Runner::new("worker_front_counter")
        .seeds(10)
        .faults(Faults::Swarm)
        .quiet()
        .run(|sim: Sim| async move {
            let counters = sim.register::<Counter>(COUNTER_BINDING)?;
            sim.worker::<CounterFront>("app")?;
            let mut tasks = Vec::new();
            for client in sim.clients() {
                let app = client.worker("app")?;
                // Spread over the fault window, so faults meet requests.
                let think = Duration::from_millis(sim.random_below(1_500));
                tasks.push(client.spawn(async move {
                    let mut acknowledged = 0;
                    for _ in 0..REQUESTS_PER_CLIENT {
                        match app.fetch(increment_request("room-1")).await {
                            Ok(resp) if resp.status() == 200 => acknowledged += 1,
                            _ => {
                                FAILED_REQUESTS.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                        dosim::sleep(think).await;
                    }
                    acknowledged
                }));
            }
            let acknowledged: u64 = dosim::join_all(tasks).await?.into_iter().sum();
            let attempted = REQUESTS_PER_CLIENT * sim.clients().len() as u64;
            let app = sim.client(0).worker("app")?;
            let count: u64 = sim
                .eventually(|| {
                    let answer =
                        app.fetch(Request::get("https://app.example/counter/room-1/value"));
                    async move {
                        let resp = answer.await?;
                        if resp.status() != 200 {
                            dosim::bail!("the value read answered {}", resp.status());
                        }
                        resp.text()?
                            .parse()
                            .map_err(|e| dosim::Error::new(format!("not a count: {e}")))
                    }
                })
                .await?;
            if count < acknowledged || count > attempted {
                dosim::bail!(
                    "{acknowledged} increments acknowledged, {attempted} attempted, \
                     but the counter reads {count}"
                );
            }
            // The Worker reached the same object a stub reaches directly.
            let direct: Option<u64> =
                sim.inspect(&counters, "room-1", |view| view.get("count"))??;
            assert_eq!(direct, Some(count));
            Ok(())
        })
        .assert_passed();
    // Reached, not only never violated: faults failed some requests.
    assert!(
        FAILED_REQUESTS.load(Ordering::Relaxed) > 0,
        "no request failed: the faults never met the Worker's traffic"
    );
}

/// Leaves two pieces of work behind: one that takes 10 s, one 40 s.
#[derive(Default)]
struct Lingering;

thread_local! {
    static FINISHED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

impl Worker for Lingering {
    async fn fetch(&self, _req: Request, _env: Env, ctx: Context) -> Result<Response> {
        ctx.wait_until(async {
            dosim::sleep(Duration::from_secs(10)).await;
            FINISHED.with(|f| f.borrow_mut().push("short"));
        });
        ctx.wait_until(async {
            dosim::sleep(Duration::from_secs(40)).await;
            FINISHED.with(|f| f.borrow_mut().push("long"));
        });
        Ok(Response::ok("answered before its work is done"))
    }
}

#[test]
fn wait_until_work_finishes_within_30_s_and_is_cancelled_after() {
    let record = Runner::new("wait_until_bound").faults(Faults::None).record(
        Seed(1),
        |sim: Sim| async move {
            FINISHED.with(|f| f.borrow_mut().clear());
            let app = sim.worker::<Lingering>("lingering")?;
            let started = sim.elapsed();
            let resp = app.fetch(Request::get("https://app.example/")).await?;
            assert_eq!(resp.text()?, "answered before its work is done");
            assert!(
                sim.elapsed() - started < Duration::from_secs(1),
                "the answer did not wait"
            );
            dosim::sleep(Duration::from_secs(60)).await;
            FINISHED.with(|f| assert_eq!(*f.borrow(), vec!["short"]));
            Ok(())
        },
    );
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let cancelled: Vec<_> = record
        .trace
        .iter()
        .filter_map(|e| match &e.what {
            What::WaitUntilCancelled { worker, count, .. } => Some((worker.clone(), *count, e.t)),
            _ => None,
        })
        .collect();
    assert_eq!(cancelled.len(), 1, "{cancelled:?}");
    assert_eq!((cancelled[0].0.as_str(), cancelled[0].1), ("lingering", 1));
    let at = Duration::from_nanos(cancelled[0].2);
    assert!(
        at >= Duration::from_secs(30) && at < Duration::from_secs(31),
        "cancelled at {at:?}"
    );
}

/// A Worker script with no fetch handler.
#[derive(Default)]
struct NoFetch;

impl Worker for NoFetch {}

/// A Worker whose handler panics.
#[derive(Default)]
struct Panicky;

impl Worker for Panicky {
    async fn fetch(&self, req: Request, _env: Env, _ctx: Context) -> Result<Response> {
        panic!("no route for {}", req.path());
    }
}

#[test]
fn a_worker_without_fetch_gives_workerds_error_and_a_panic_is_an_error() {
    Runner::new("worker_errors")
        .seeds(1)
        .faults(Faults::None)
        .quiet()
        .run(|sim: Sim| async move {
            let none = sim.worker::<NoFetch>("none")?;
            let err = none.fetch(Request::get("https://a/")).await.unwrap_err();
            assert!(
                err.to_string()
                    .contains("Handler does not export a fetch() function."),
                "{err}"
            );
            let panicky = sim.worker::<Panicky>("panicky")?;
            let err = panicky
                .fetch(Request::get("https://a/x"))
                .await
                .unwrap_err();
            assert!(
                err.to_string().contains("panicked: no route for /x"),
                "{err}"
            );
            // The harness carries on: the Worker answers the next request too.
            let again = panicky
                .fetch(Request::get("https://a/y"))
                .await
                .unwrap_err();
            assert!(again.to_string().contains("no route for /y"), "{again}");
            // Names are checked.
            let missing = sim.client(1).worker("nope").unwrap_err();
            assert!(
                missing.to_string().contains("no Worker named `nope`"),
                "{missing}"
            );
            let taken = sim.worker::<Panicky>("none").unwrap_err();
            assert!(taken.to_string().contains("already bound"), "{taken}");
            Ok(())
        })
        .assert_passed();
}

thread_local! {
    static FIRED: RefCell<Vec<(Duration, ScheduledEvent)>> = const { RefCell::new(Vec::new()) };
}

/// Records each cron firing; fails every third one.
#[derive(Default)]
struct Ticker;

impl Worker for Ticker {
    async fn scheduled(&self, event: ScheduledEvent, _env: Env, _ctx: Context) -> Result<()> {
        let n = FIRED.with(|f| {
            f.borrow_mut().push((dosim::elapsed(), event));
            f.borrow().len()
        });
        if n % 3 == 0 {
            dosim::bail!("firing {n} fails");
        }
        Ok(())
    }
}

#[test]
fn a_cron_every_5_minutes_fires_12_times_in_an_hour_at_the_right_times() {
    let record = Runner::new("cron_every_5_minutes")
        .faults(Faults::None)
        .deadline(Duration::from_secs(7_200))
        .record(Seed(2), |sim: Sim| async move {
            FIRED.with(|f| f.borrow_mut().clear());
            sim.worker::<Ticker>("ticker")?;
            sim.cron("ticker", "*/5 * * * *")?;
            dosim::sleep(Duration::from_secs(3_600) + Duration::from_millis(1)).await;
            let fired = FIRED.with(|f| f.borrow().clone());
            assert_eq!(fired.len(), 12, "{fired:?}");
            for (i, (at, event)) in fired.iter().enumerate() {
                let due = Duration::from_secs(300 * (i as u64 + 1));
                assert_eq!(event.cron, "*/5 * * * *");
                assert_eq!(event.scheduled_time, start_of_run() + due);
                assert!(*at >= due && *at < due + Duration::from_millis(1), "{at:?}");
            }
            Ok(())
        });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    // Failed firings are recorded, not retried: 4 of 12 failed.
    let ended: Vec<_> = record
        .trace
        .iter()
        .filter_map(|e| match &e.what {
            What::WorkerEnded { outcome, .. } => Some(*outcome),
            _ => None,
        })
        .collect();
    assert_eq!(ended.len(), 12);
    assert_eq!(
        ended
            .iter()
            .filter(|o| **o == dosim::trace::Outcome::Error)
            .count(),
        4
    );
}

fn start_of_run() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(dosim::sim::SIM_START_UNIX_MS as u64)
}

#[test]
fn a_bad_cron_expression_is_a_clear_error() {
    Runner::new("cron_bad_expression")
        .seeds(1)
        .faults(Faults::None)
        .quiet()
        .run(|sim: Sim| async move {
            sim.worker::<Ticker>("ticker")?;
            let err = sim.cron("ticker", "every five minutes").unwrap_err();
            assert!(
                err.to_string()
                    .contains("invalid cron expression `every five minutes`"),
                "{err}"
            );
            let six = sim.cron("ticker", "0 */5 * * * *").unwrap_err();
            assert!(six.to_string().contains("five fields"), "{six}");
            let unbound = sim.cron("nope", "* * * * *").unwrap_err();
            assert!(
                unbound.to_string().contains("no Worker named `nope`"),
                "{unbound}"
            );
            Ok(())
        })
        .assert_passed();
}

/// When the notebook's alarm is set for: after the run has ended.
const ALARM_AFTER: Duration = Duration::from_secs(86_400);

/// Keeps a note in KV, a row in SQL and an alarm.
struct Notebook {
    state: State,
}

impl DurableObject for Notebook {
    fn new(state: State, _env: Env) -> Self {
        Notebook { state }
    }
}

dosim::rpc! {
    trait NotebookRpc for Notebook {
        async fn write(&self, text: String) -> Result<()> {
            let storage = self.state.storage();
            storage.put("note", &text).await?;
            storage.sql().exec("CREATE TABLE IF NOT EXISTS lines (text TEXT)", ())?;
            storage.sql().exec("INSERT INTO lines VALUES (?)", (text.as_str(),))?;
            storage.set_alarm(start_of_run() + ALARM_AFTER).await?;
            Ok(())
        }
    }
}

/// Writes one note; inspects the object if `inspect` says so.
async fn notebook_run(sim: Sim, inspect: bool) -> Result<()> {
    let notes = sim.register::<Notebook>("NOTES")?;
    notes.get_by_name("a").write("hello".into()).await?;
    if inspect {
        let seen = Rc::new(Cell::new(false));
        let seen_in = seen.clone();
        sim.inspect(&notes, "a", |view| -> Result<()> {
            assert_eq!(view.get::<String>("note")?, Some("hello".into()));
            let rows: Vec<_> = view.sql("SELECT text FROM lines", &[])?.raw().collect();
            assert_eq!(rows.len(), 1);
            let refused = view.sql("DELETE FROM lines", &[]).unwrap_err();
            assert!(
                refused
                    .to_string()
                    .contains("refuses a statement that writes"),
                "{refused}"
            );
            assert_eq!(view.alarm()?, Some(start_of_run() + ALARM_AFTER));
            let all: Vec<(String, String)> = view.list(&Default::default())?;
            assert_eq!(all, vec![("note".to_string(), "hello".to_string())]);
            seen_in.set(true);
            Ok(())
        })??;
        assert!(seen.get());
        // An object never contacted has empty storage, and stays uncontacted.
        let id = notes.id_from_name("never");
        let empty = sim.inspect(&notes, &id, |view| view.get::<String>("note"))??;
        assert_eq!(empty, None);
    }
    Ok(())
}

#[test]
fn inspect_reads_kv_sql_and_alarm_and_leaves_the_trace_unchanged() {
    let runner = Runner::new("inspect").faults(Faults::None);
    let looked = runner.record(Seed(5), |sim| notebook_run(sim, true));
    assert!(looked.failure.is_none(), "{:?}", looked.failure);
    let plain = runner.record(Seed(5), |sim| notebook_run(sim, false));
    assert!(plain.failure.is_none(), "{:?}", plain.failure);
    assert_eq!(looked.trace, plain.trace, "inspecting changed the run");
}
