//! The `workspace` example: a parent object keeps a registry of child
//! objects, and the workload whose properties every workspace (its
//! orphaning twin included) must keep.
//!
//! A workspace registers its threads in SQL; each thread is its own object
//! (`THREAD`, named `<workspace>/<thread>`), and its init stores who it is
//! (its workspace and its own name), since an object cannot always learn
//! its own name. Creating a thread spans two objects, so a crash can split
//! it. The correct workspace orders it so that no split survives repair:
//! it writes a `pending` row, inits the child (idempotently), then marks
//! the row `active`; a failed create leaves the row pending, and
//! [`WorkspaceRpc::repair`] completes it. Deleting is the mirror image:
//! the row turns `deleting`, the child deletes its data, then the row
//! goes; repair finishes a half-done delete.
//!
//! The properties, checked after the world heals and the workspace is
//! repaired: no dangling entry (a registered thread that was never
//! initialised, or was deleted), no orphan (an initialised, undeleted
//! thread whose create was acknowledged but that is not registered), and
//! every acknowledged delete really deleted.

use std::collections::BTreeSet;
use std::time::Duration;

use dosim::{DurableObject, Env, Result, RpcTarget, Runner, Sim, State, Stub};

/// The workspace every client works in.
pub const WORKSPACE: &str = "acme";
/// Threads each client creates.
const THREADS_PER_CLIENT: usize = 3;

/// The object name of thread `thread` of `workspace`.
pub fn thread_object(workspace: &str, thread: &str) -> String {
    format!("{workspace}/{thread}")
}

/// One thread of a workspace: who it is, and its posts.
pub struct Thread {
    state: State,
}

impl DurableObject for Thread {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        sql.exec(
            "CREATE TABLE IF NOT EXISTS identity (one INTEGER PRIMARY KEY CHECK (one = 1), \
             workspace TEXT NOT NULL, name TEXT NOT NULL, deleted INTEGER NOT NULL)",
            (),
        )
        .expect("the thread's identity schema");
        sql.exec(
            "CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
            (),
        )
        .expect("the thread's posts schema");
        Thread { state }
    }
}

/// A thread's identity row: its workspace, its name, and whether it was
/// deleted.
pub type Identity = (String, String, bool);

impl Thread {
    fn identity(&self) -> Result<Option<Identity>> {
        let rows: Vec<(String, String, i64)> = self
            .state
            .storage()
            .sql()
            .exec("SELECT workspace, name, deleted FROM identity", ())?
            .to_array()?;
        Ok(rows.into_iter().next().map(|(w, n, d)| (w, n, d != 0)))
    }
}

dosim::rpc! {
    /// Calls to a thread.
    pub trait ThreadRpc for Thread {
        /// Stores who the thread is; again with the same identity, a no-op.
        pub async fn init(&self, workspace: String, name: String) -> Result<()> {
            match self.identity()? {
                Some((w, n, _)) if w == workspace && n == name => Ok(()),
                Some((w, n, _)) => dosim::bail!("thread is already {w}/{n}, not {workspace}/{name}"),
                None => {
                    self.state.storage().sql().exec(
                        "INSERT INTO identity (one, workspace, name, deleted) VALUES (1, ?, ?, 0)",
                        (workspace, name),
                    )?;
                    Ok(())
                }
            }
        }

        /// Who the thread is, if it was initialised.
        pub async fn whoami(&self) -> Result<Option<Identity>> {
            self.identity()
        }

        /// Adds a post; returns how many the thread holds.
        pub async fn post(&self, body: String) -> Result<u64> {
            match self.identity()? {
                Some((_, _, false)) => {}
                Some((_, _, true)) => dosim::bail!("the thread was deleted"),
                None => dosim::bail!("the thread was never initialised"),
            }
            let sql = self.state.storage().sql();
            sql.exec("INSERT INTO posts (body) VALUES (?)", (body,))?;
            let n: Vec<(i64, i64)> = sql.exec("SELECT count(*), 0 FROM posts", ())?.to_array()?;
            Ok(n.first().map_or(0, |r| r.0 as u64))
        }

        /// Deletes the thread's posts and marks it deleted (idempotent).
        pub async fn destroy(&self) -> Result<()> {
            let sql = self.state.storage().sql();
            sql.exec("DELETE FROM posts", ())?;
            sql.exec("UPDATE identity SET deleted = 1", ())?;
            Ok(())
        }
    }
}

/// A workspace: its registry of threads.
pub struct Workspace {
    state: State,
    env: Env,
}

impl DurableObject for Workspace {
    fn new(state: State, env: Env) -> Self {
        create_registry(&state);
        Workspace { state, env }
    }
}

/// The registry table: one row per thread, `pending`, `active` or
/// `deleting`.
pub fn create_registry(state: &State) {
    state
        .storage()
        .sql()
        .exec(
            "CREATE TABLE IF NOT EXISTS threads (name TEXT PRIMARY KEY, status TEXT NOT NULL)",
            (),
        )
        .expect("the registry's schema");
}

/// The registry's rows, by name: (name, status).
pub fn registry(state: &State) -> Result<Vec<(String, String)>> {
    state
        .storage()
        .sql()
        .exec("SELECT name, status FROM threads ORDER BY name", ())?
        .to_array()
}

/// Sets `name`'s row to `status` (inserting it if absent).
pub fn register(state: &State, name: &str, status: &str) -> Result<()> {
    state.storage().sql().exec(
        "INSERT INTO threads (name, status) VALUES (?, ?) \
         ON CONFLICT(name) DO UPDATE SET status = excluded.status",
        (name.to_string(), status.to_string()),
    )?;
    Ok(())
}

/// Drops `name`'s row.
pub fn unregister(state: &State, name: &str) -> Result<()> {
    state
        .storage()
        .sql()
        .exec("DELETE FROM threads WHERE name = ?", (name.to_string(),))?;
    Ok(())
}

/// The stub of thread `name` of the workspace `state` belongs to.
pub fn thread_stub(env: &Env, workspace: &str, name: &str) -> Result<Stub<Thread>> {
    Ok(env
        .namespace::<Thread>("THREAD")?
        .get_by_name(&thread_object(workspace, name)))
}

impl Workspace {
    /// Inits the child, then marks its row active: the second half of a
    /// create, for `create_thread` and `repair` alike.
    async fn finish_create(&self, name: &str) -> Result<()> {
        thread_stub(&self.env, WORKSPACE, name)?
            .init(WORKSPACE.to_string(), name.to_string())
            .await?;
        register(&self.state, name, "active")
    }

    /// Deletes the child's data, then drops its row.
    async fn finish_delete(&self, name: &str) -> Result<()> {
        thread_stub(&self.env, WORKSPACE, name)?.destroy().await?;
        unregister(&self.state, name)
    }
}

dosim::rpc! {
    /// Calls to a workspace.
    pub trait WorkspaceRpc for Workspace {
        /// Creates thread `name`: a pending row first (the child's init
        /// leaves only once it is confirmed), then the child, then the row
        /// is active.
        pub async fn create_thread(&self, name: String) -> Result<()> {
            let known = registry(&self.state)?.into_iter().any(|(n, _)| n == name);
            if !known {
                register(&self.state, &name, "pending")?;
            }
            self.finish_create(&name).await
        }

        /// The registered threads and their status.
        pub async fn list_threads(&self) -> Result<Vec<(String, String)>> {
            registry(&self.state)
        }

        /// Deletes thread `name`: the row turns `deleting`, the child
        /// deletes its data, then the row goes.
        pub async fn delete_thread(&self, name: String) -> Result<()> {
            register(&self.state, &name, "deleting")?;
            self.finish_delete(&name).await
        }

        /// Completes every create and delete a failure left half done.
        pub async fn repair(&self) -> Result<()> {
            for (name, status) in registry(&self.state)? {
                match status.as_str() {
                    "pending" => self.finish_create(&name).await?,
                    "deleting" => self.finish_delete(&name).await?,
                    _ => {}
                }
            }
            Ok(())
        }
    }
}

/// What one client did to one thread.
#[derive(Default)]
struct Outcome {
    created: bool,
    deleted: bool,
}

/// A runner for the workspace examples: their calls all happen within
/// the fault window.
pub fn runner(name: &str) -> Runner {
    Runner::new(name).seeds(500)
}

/// The workload and its properties, for any workspace class that keeps a
/// registry like [`Workspace`] (its buggy twin included).
pub async fn workload<W>(sim: Sim) -> Result<()>
where
    W: DurableObject + RpcTarget,
    Stub<W>: WorkspaceRpc,
{
    workload_with::<W, Thread>(sim).await
}

/// [`workload`] with threads of class `T` (a [`Thread`] written in another
/// language, say).
pub async fn workload_with<W, T>(sim: Sim) -> Result<()>
where
    W: DurableObject + RpcTarget,
    Stub<W>: WorkspaceRpc,
    T: DurableObject + RpcTarget,
    Stub<T>: ThreadRpc,
{
    let workspaces = sim.register::<W>("WORKSPACE")?;
    let threads = sim.register::<T>("THREAD")?;
    let mut clients = Vec::new();
    for (c, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<W>("WORKSPACE")?;
        let thread_ns = client.namespace::<T>("THREAD")?;
        let think = Duration::from_micros(sim.random_below(200_000));
        let doomed = sim.random_below(THREADS_PER_CLIENT as u64) as usize;
        clients.push(client.spawn(async move {
            let mut done = Vec::new();
            for t in 0..THREADS_PER_CLIENT {
                let name = format!("c{c}-t{t}");
                let mut outcome = Outcome {
                    created: ns
                        .get_by_name(WORKSPACE)
                        .create_thread(name.clone())
                        .await
                        .is_ok(),
                    deleted: false,
                };
                if outcome.created {
                    let thread = thread_ns.get_by_name(&thread_object(WORKSPACE, &name));
                    let _ = thread.post(format!("hello from client {c}")).await;
                }
                let _ = ns.get_by_name(WORKSPACE).list_threads().await;
                if t == doomed && outcome.created {
                    outcome.deleted = ns
                        .get_by_name(WORKSPACE)
                        .delete_thread(name.clone())
                        .await
                        .is_ok();
                }
                done.push((name, outcome));
                dosim::sleep(think).await;
            }
            done
        }));
    }
    let outcomes: Vec<(String, Outcome)> = dosim::join_all(clients)
        .await?
        .into_iter()
        .flatten()
        .collect();
    sim.eventually(|| workspaces.get_by_name(WORKSPACE).repair())
        .await?;
    let rows = sim
        .eventually(|| workspaces.get_by_name(WORKSPACE).list_threads())
        .await?;
    let registered: BTreeSet<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    for (name, status) in &rows {
        if status != "active" {
            dosim::bail!("thread {name} is still `{status}` after repair");
        }
    }
    for (name, outcome) in &outcomes {
        let who = sim
            .eventually(|| {
                threads
                    .get_by_name(&thread_object(WORKSPACE, name))
                    .whoami()
            })
            .await?;
        let live = matches!(&who, Some((_, _, false)));
        if let Some((w, n, _)) = &who {
            if w != WORKSPACE || n != name {
                dosim::bail!("thread {name} believes it is {w}/{n}");
            }
        }
        let listed = registered.contains(name.as_str());
        if listed && !live {
            dosim::bail!(
                "dangling entry: thread {name} is registered but {}",
                if who.is_some() {
                    "was deleted"
                } else {
                    "was never initialised"
                }
            );
        }
        if outcome.created && !outcome.deleted && live && !listed {
            dosim::bail!(
                "orphan: thread {name} was created and acknowledged but is not registered"
            );
        }
        if outcome.deleted && (listed || live) {
            dosim::bail!("thread {name}'s delete was acknowledged but it is still there");
        }
    }
    Ok(())
}
