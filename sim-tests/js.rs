//! TypeScript Durable Objects under simulation: the counter passes the Rust
//! counter's workload, its racy twin is caught and replays byte for byte.

use dosim::js::JsModule;
use dosim::{Faults, Runner};
use dosim_workloads::js_counter::{self, COUNTER_RACY_TS, COUNTER_TS};
use serde_json::json;

#[test]
fn ts_counter_counts() {
    Runner::new("ts_counter_counts")
        .seeds(1)
        .faults(Faults::None)
        .run(|sim| async move {
            let module = JsModule::typescript("counter.ts", COUNTER_TS)?;
            let ns = sim.register_js("COUNTER", &module, "Counter")?;
            let stub = ns.get_by_name("a");
            let one: u64 = stub.call_js("increment", json!([1])).await?;
            let three: u64 = stub.call_js("increment", json!([2])).await?;
            assert_eq!((one, three), (1, 3));
            let audit: (u64, u64) = stub.call_js("audit", json!([])).await?;
            assert_eq!(audit, (3, 2));
            Ok(())
        })
        .assert_passed();
}

#[test]
fn ts_counter_passes_the_counter_workload() {
    Runner::new("ts_counter_passes_the_counter_workload")
        .seeds(20)
        .run(|sim| js_counter::workload(sim, "counter.ts", COUNTER_TS))
        .assert_passed();
}

#[test]
fn ts_counter_racy_is_caught() {
    let report = Runner::new("ts_counter_racy_is_caught")
        .seeds(50)
        .quiet()
        .run(|sim| js_counter::workload(sim, "counter_racy.ts", COUNTER_RACY_TS));
    assert!(
        !report.passed(),
        "the lost update went unnoticed in 50 seeds"
    );
}
