//! The `js_counter` example: the counter written in TypeScript
//! (`examples/js/counter.ts`), checked by the Rust counter's own workload
//! and properties; and its racy twin (`examples/js/counter_racy.ts`).

use dosim::js::{JsModule, JsObject};
use dosim::{Replay, Result, Runner, Sim, Stub};

use crate::counter::{self, CounterRpc};

/// The TypeScript counter.
pub const COUNTER_TS: &str = include_str!("../../examples/js/counter.ts");

/// Its twin that reads, awaits a timer, then writes.
pub const COUNTER_RACY_TS: &str = include_str!("../../examples/js/counter_racy.ts");

// The client trait's methods are calls by name: they reach JavaScript
// methods of the same names, with the same JSON arguments.
impl CounterRpc for Stub<JsObject> {}

/// The counter workload on the class `Counter` of the TypeScript module
/// `source`, bound as `COUNTER`.
pub async fn workload(sim: Sim, name: &str, source: &str) -> Result<()> {
    let module = JsModule::typescript(name, source)?;
    sim.register_js("COUNTER", &module, "Counter")?;
    counter::workload::<JsObject>(sim).await
}

/// The runner of the TypeScript example `name`, whose replay command
/// builds it with the `js` feature it needs.
pub fn runner(name: &str) -> Runner {
    Runner::new(name).replay(Replay::Example {
        name: format!("{name} --features js"),
        release: true,
        args: String::new(),
    })
}
