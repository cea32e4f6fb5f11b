//! Services the test defines: each fault kind as a client and an object
//! see it, the state a lost response leaves behind, handler failures, the
//! output gate, unknown hosts and determinism.

use std::cell::Cell;
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use dosim::sim::What;
use dosim::{
    DurableObject, Env, Fault, FaultKind, FaultPlan, Faults, Request, Response, Result, Runner,
    Seed, Sim, State,
};

/// An object that writes, then calls the `payments` service.
struct Shop {
    state: State,
    env: Env,
}

impl DurableObject for Shop {
    fn new(state: State, env: Env) -> Self {
        Shop { state, env }
    }
}

dosim::rpc! {
    trait ShopRpc for Shop {
        /// Calls `payments` through its binding, or by URL; returns what
        /// came back, as [`describe`] writes it.
        async fn pay(&self, by_url: bool) -> Result<String> {
            self.state.storage().put("paying", &true).await?;
            let req = Request::post("https://payments/charge", "7");
            let outcome = if by_url {
                self.env.fetch(req).await
            } else {
                self.env.service("payments")?.fetch(req).await
            };
            Ok(describe(outcome))
        }

        /// Whether a payment has started (a storage read).
        async fn paying(&self) -> Result<bool> {
            Ok(self.state.storage().get("paying").await?.unwrap_or(false))
        }
    }
}

/// An outcome as one line: `200 charged 7`, or the error and its flags.
fn describe(outcome: Result<Response>) -> String {
    match outcome {
        Ok(resp) => format!("{} {}", resp.status(), String::from_utf8_lossy(resp.body())),
        Err(e) => format!("{e} (retryable: {}, remote: {})", e.retryable, e.remote),
    }
}

/// Binds `payments`, which counts the charges it made.
fn payments(sim: &Sim) -> Result<(dosim::platform::service::Service, Rc<Cell<u32>>)> {
    let charges = Rc::new(Cell::new(0));
    let counted = charges.clone();
    let service = sim.service("payments", move |req: Request| {
        let counted = counted.clone();
        async move {
            dosim::sleep(Duration::from_millis(5)).await;
            counted.set(counted.get() + 1);
            Ok(Response::ok(format!("charged {}", req.text()?)))
        }
    })?;
    Ok((service, charges))
}

/// Where a call is made from.
#[derive(Clone, Copy, Debug)]
enum From {
    Client,
    Object { by_url: bool },
}

/// One call hit by a scheduled `kind`; returns what the caller saw, the
/// charges the service made, and the simulated time the call took.
fn one_call(kind: FaultKind, from: From, seed: u64) -> (String, u32, Duration) {
    let seen = Arc::new(Mutex::new(None));
    let out = seen.clone();
    let plan = FaultPlan::none().with_fault(
        0,
        Fault::ServiceCall {
            service: "payments".into(),
            fault: kind,
        },
    );
    let record = Runner::new("service_fault")
        .faults(Faults::Plan(plan))
        .record(Seed(seed), move |sim: Sim| {
            let out = out.clone();
            async move {
                let (service, charges) = payments(&sim)?;
                let shop = sim.register::<Shop>("SHOP")?.get_by_name("s");
                // The scheduled fault is armed by now.
                dosim::sleep(Duration::from_millis(10)).await;
                let start = dosim::elapsed();
                let text = match from {
                    From::Client => describe(
                        service
                            .fetch(Request::post("https://payments/charge", "7"))
                            .await,
                    ),
                    From::Object { by_url } => shop.pay(by_url).await?,
                };
                let took = dosim::elapsed() - start;
                // Whatever the handler was still doing has finished.
                dosim::sleep(Duration::from_secs(20)).await;
                *out.lock().unwrap() = Some((text, charges.get(), took));
                Ok(())
            }
        });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    assert_eq!(
        record.faults_injected.get(&kind),
        Some(&1),
        "{kind} recorded once"
    );
    let seen = seen.lock().unwrap().take().expect("the body ran");
    seen
}

const LOST: &str = "Error: Network connection lost. (retryable: true, remote: false)";

fn each_kind_as_seen_from(from: From) {
    let (text, charges, took) = one_call(FaultKind::ServiceRefused, from, 1);
    assert_eq!((text.as_str(), charges), (LOST, 0), "refused");
    assert!(took < Duration::from_secs(1), "refused quickly: {took:?}");

    let (text, _, took) = one_call(FaultKind::ServiceTimeout, from, 1);
    assert!(
        text.starts_with("TimeoutError: The operation was aborted due to timeout"),
        "{text}"
    );
    assert!(
        took >= dosim::platform::service::SERVICE_TIMEOUT,
        "{took:?}"
    );

    let (text, charges, _) = one_call(FaultKind::ServiceError, from, 1);
    assert!(
        text == "502 error code: 502" || text == "503 error code: 503",
        "{text}"
    );
    assert_eq!(charges, 0, "a 5xx never runs the handler");

    let (fast, _, fast_took) = one_call(FaultKind::ServiceRefused, from, 2);
    let (text, charges, took) = one_call(FaultKind::ServiceSlow, from, 2);
    assert_eq!(
        (text.as_str(), charges),
        ("200 charged 7", 1),
        "slow, then answered"
    );
    assert!(
        took >= fast_took + Duration::from_millis(100),
        "{fast}: {fast_took:?} vs slow {took:?}"
    );

    let (text, charges, _) = one_call(FaultKind::ServiceLostResponse, from, 1);
    assert_eq!(
        (text.as_str(), charges),
        (LOST, 1),
        "the work was done, the answer lost"
    );
}

#[test]
fn each_fault_kind_reaches_a_client_as_production_shows_it() {
    each_kind_as_seen_from(From::Client);
}

#[test]
fn each_fault_kind_reaches_an_object_through_its_binding_and_by_url() {
    each_kind_as_seen_from(From::Object { by_url: false });
    let (text, charges, _) = one_call(
        FaultKind::ServiceLostResponse,
        From::Object { by_url: true },
        3,
    );
    assert_eq!((text.as_str(), charges), (LOST, 1));
}

#[test]
fn a_timed_out_call_may_or_may_not_have_run_as_the_seed_says() {
    let ran: BTreeSet<u32> = (0..12)
        .map(|seed| one_call(FaultKind::ServiceTimeout, From::Client, seed).1)
        .collect();
    assert_eq!(ran, BTreeSet::from([0, 1]), "both outcomes over 12 seeds");
}

#[test]
fn handler_errors_and_panics_reach_the_caller_as_errors() {
    Runner::new("service_handler_fails")
        .seeds(2)
        .faults(Faults::None)
        .run(|sim: Sim| async move {
            let angry = sim.service("angry", |req: Request| async move {
                if req.path() == "/panic" {
                    panic!("out of stamps");
                }
                Err(dosim::Error::range_error("amount too large"))
            })?;
            let thrown = angry
                .fetch(Request::get("https://angry/throw"))
                .await
                .unwrap_err();
            assert_eq!(thrown.to_string(), "RangeError: amount too large");
            assert!(thrown.remote, "thrown by the service");
            let panicked = angry
                .fetch(Request::get("https://angry/panic"))
                .await
                .unwrap_err();
            let text = panicked.to_string();
            assert!(
                text.contains("the service `angry` failed: it panicked: out of stamps"),
                "{text}"
            );
            Ok(())
        })
        .assert_passed();
}

#[test]
fn unknown_hosts_and_missing_bindings_are_clear_errors() {
    Runner::new("service_unknown_host")
        .seeds(1)
        .faults(Faults::None)
        .run(|sim: Sim| async move {
            payments(&sim)?;
            sim.set_var("MODE", "test")?;
            let env = sim.client(0).service("payments")?;
            assert_eq!(env.name(), "payments");
            let missing = sim.client(0).service("mail").unwrap_err().to_string();
            assert!(
                missing.contains("no service named `mail`: set it with Sim::service"),
                "{missing}"
            );
            let wrong = sim.client(0).service("MODE").unwrap_err().to_string();
            assert!(
                wrong.contains("`MODE` is a variable, not a service"),
                "{wrong}"
            );
            Ok(())
        })
        .assert_passed();
    let seen = Arc::new(Mutex::new(String::new()));
    let out = seen.clone();
    Runner::new("service_unknown_url")
        .seeds(1)
        .faults(Faults::None)
        .run(move |sim: Sim| {
            let out = out.clone();
            async move {
                payments(&sim)?;
                let shop = sim.register::<Unbound>("UNBOUND")?.get_by_name("u");
                *out.lock().unwrap() = shop.fetch_url("https://mail.example/send".into()).await?;
                Ok(())
            }
        })
        .assert_passed();
    let text = seen.lock().unwrap().clone();
    assert!(
        text.starts_with("TypeError: Fetch API cannot load: https://mail.example/send: no service answers for host `mail.example`"),
        "{text}"
    );
}

/// An object that fetches any URL.
struct Unbound {
    env: Env,
}

impl DurableObject for Unbound {
    fn new(_: State, env: Env) -> Self {
        Unbound { env }
    }
}

dosim::rpc! {
    trait UnboundRpc for Unbound {
        async fn fetch_url(&self, url: String) -> Result<String> {
            Ok(describe(self.env.fetch(Request::get(&url)).await))
        }
    }
}

#[test]
fn a_call_from_an_object_waits_for_its_writes_and_runs_the_handler_elsewhere() {
    let record = Runner::new("service_output_gate")
        .faults(Faults::None)
        .record(Seed(4), |sim: Sim| async move {
            payments(&sim)?;
            let shop = sim.register::<Shop>("SHOP")?.get_by_name("s");
            assert_eq!(shop.pay(false).await?, "200 charged 7");
            Ok(())
        });
    assert!(record.failure.is_none(), "{:?}", record.failure);
    let index = |want: &dyn Fn(&What) -> bool| record.trace.iter().position(|e| want(&e.what));
    let released = index(&|w| matches!(w, What::OutputReleased { batch, .. } if *batch > 0));
    let called = index(&|w| matches!(w, What::ServiceCalled { .. }));
    let handled = index(&|w| matches!(w, What::ServiceHandled { ok: true, .. }));
    let answered = index(&|w| matches!(w, What::ServiceAnswered { .. }));
    assert!(
        released.is_some() && released < called,
        "the write confirmed before the call left"
    );
    assert!(
        called < handled && handled < answered,
        "there, handled, back"
    );
    let (called, handled) = (
        &record.trace[called.unwrap()],
        &record.trace[handled.unwrap()],
    );
    assert!(called.obj.is_some(), "the call is the object's");
    assert!(handled.obj.is_none(), "the handler is no object's event");
    assert!(handled.t > called.t, "the trip there takes time");
}

#[test]
fn the_same_seed_gives_the_same_trace_with_service_faults() {
    let plan = FaultPlan::none()
        .with_rate(FaultKind::ServiceLostResponse, 20.0)
        .with_rate(FaultKind::ServiceSlow, 20.0)
        .with_rate(FaultKind::ServiceError, 20.0);
    let runner = Runner::new("service_determinism").faults(Faults::Plan(plan));
    let body = |sim: Sim| async move {
        payments(&sim)?;
        let shop = sim.register::<Shop>("SHOP")?.get_by_name("s");
        for _ in 0..10 {
            shop.pay(true).await?;
        }
        Ok(())
    };
    let a = runner.record(Seed(11), body);
    let b = runner.record(Seed(11), body);
    assert!(a.failure.is_none(), "{:?}", a.failure);
    assert!(a.faults_injected.values().sum::<u64>() > 0, "faults hit");
    assert_eq!(a.trace, b.trace);
    let c = runner.record(Seed(12), body);
    assert_ne!(a.trace_hash(), c.trace_hash(), "another seed, another run");
}

#[test]
fn service_fault_rates_leave_a_run_without_services_unchanged() {
    let core = FaultPlan::none()
        .with_rate(FaultKind::Crash, 1.0)
        .with_rate(FaultKind::MessageLoss, 5.0);
    let with_services = core
        .clone()
        .with_rate(FaultKind::ServiceLostResponse, 50.0)
        .with_rate(FaultKind::ServiceTimeout, 50.0);
    for seed in 0..3 {
        let run = |plan: &FaultPlan| {
            Runner::new("service_rates_unused")
                .faults(Faults::Plan(plan.clone()))
                .record(
                    Seed::nth(seed),
                    dosim_workloads::counter::workload::<dosim_workloads::counter::Counter>,
                )
        };
        let (a, b) = (run(&core), run(&with_services));
        assert_eq!(a.trace, b.trace, "seed {seed}: the same trace");
        assert!(b.faults_injected.keys().all(|k| !k.is_service()));
    }
}

#[test]
fn checkout_keeps_its_properties_and_its_twin_is_caught_charging_twice() {
    use dosim_workloads::checkout::{runner, workload, Order};
    use dosim_workloads::checkout_double_charge::DoubleChargeOrder;
    let sweep = |name: &str| runner(name).seeds(30).faults(Faults::Swarm).quiet();
    let good = sweep("checkout").run(workload::<Order>);
    assert!(good.passed(), "{:?}", good.failures);
    assert!(good.faults_injected.get(&FaultKind::ServiceLostResponse) > Some(&0));
    let twin = sweep("checkout_double_charge").run(workload::<DoubleChargeOrder>);
    let reason = twin
        .failures
        .first()
        .expect("the twin is caught")
        .reason
        .to_string();
    assert!(
        reason.contains("each order is paid at most once"),
        "{reason}"
    );
}

#[test]
fn an_object_awaiting_a_service_takes_other_calls_meanwhile() {
    Runner::new("service_input_gate_open")
        .seeds(3)
        .faults(Faults::None)
        .run(|sim: Sim| async move {
            sim.service("payments", |_req: Request| async move {
                dosim::sleep(Duration::from_secs(2)).await;
                Ok(Response::ok("late"))
            })?;
            let ns = sim.register::<Shop>("SHOP")?;
            let paying = sim.client(0).spawn({
                let shop = ns.get_by_name("s");
                async move { shop.pay(false).await }
            });
            dosim::sleep(Duration::from_millis(500)).await;
            assert!(
                ns.get_by_name("s").paying().await?,
                "answered while the payment is out"
            );
            assert!(
                sim.elapsed() < Duration::from_secs(2),
                "{:?}",
                sim.elapsed()
            );
            assert_eq!(paying.await??, "200 late");
            Ok(())
        })
        .assert_passed();
}
