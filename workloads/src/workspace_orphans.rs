//! The `workspace_orphans` example: the workspace's buggy twin, which
//! registers a thread and acknowledges the create before the thread's init
//! is confirmed, and has nothing to repair; the workspace's workload must
//! catch the dangling entries a crash or a lost message leaves.

use dosim::{DurableObject, Env, Result, State};

use crate::workspace::{self, ThreadRpc, WorkspaceRpc};

/// A workspace that registers before it knows the thread exists.
pub struct OrphaningWorkspace {
    state: State,
    env: Env,
}

impl DurableObject for OrphaningWorkspace {
    fn new(state: State, env: Env) -> Self {
        workspace::create_registry(&state);
        OrphaningWorkspace { state, env }
    }
}

dosim::rpc! {
    impl WorkspaceRpc for OrphaningWorkspace {
        async fn create_thread(&self, name: String) -> Result<()> {
            workspace::register(&self.state, &name, "active")?;
            // BUG: the row is final and the create acknowledged whatever
            // became of the thread's init.
            let thread = workspace::thread_stub(&self.env, workspace::WORKSPACE, &name)?;
            let _ = thread.init(workspace::WORKSPACE.to_string(), name).await;
            Ok(())
        }

        async fn list_threads(&self) -> Result<Vec<(String, String)>> {
            workspace::registry(&self.state)
        }

        async fn delete_thread(&self, name: String) -> Result<()> {
            workspace::unregister(&self.state, &name)?;
            let thread = workspace::thread_stub(&self.env, workspace::WORKSPACE, &name)?;
            thread.destroy().await
        }

        async fn repair(&self) -> Result<()> {
            // BUG: no row records a half-done create, so nothing to repair.
            Ok(())
        }
    }
}

/// The workspace's workload, on the orphaning twin.
pub async fn workload(sim: dosim::Sim) -> Result<()> {
    workspace::workload::<OrphaningWorkspace>(sim).await
}
