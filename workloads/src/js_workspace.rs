//! The `js_workspace` example: the workspace and its threads written in
//! TypeScript (`examples/js/workspace.ts`: a registry in SQL, a child
//! object per thread, creates and deletes that repair can finish), checked
//! by the Rust workspace's own workload; and its twin that registers
//! before the thread exists (`examples/js/workspace_orphans.ts`).

use dosim::js::{JsModule, JsObject};
use dosim::{Result, Sim, Stub};

use crate::workspace::{self, ThreadRpc, WorkspaceRpc};

/// The TypeScript workspace and thread.
pub const WORKSPACE_TS: &str = include_str!("../../examples/js/workspace.ts");

/// Its twin that leaves dangling entries.
pub const WORKSPACE_ORPHANS_TS: &str = include_str!("../../examples/js/workspace_orphans.ts");

impl WorkspaceRpc for Stub<JsObject> {}
impl ThreadRpc for Stub<JsObject> {}

/// The workspace workload on the classes `Workspace` and `Thread` of the
/// TypeScript module `source`, bound as `WORKSPACE` and `THREAD`.
pub async fn workload(sim: Sim, name: &str, source: &str) -> Result<()> {
    let module = JsModule::typescript(name, source)?;
    sim.register_js("WORKSPACE", &module, "Workspace")?;
    sim.register_js("THREAD", &module, "Thread")?;
    workspace::workload_with::<JsObject, JsObject>(sim).await
}
