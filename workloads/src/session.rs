//! The `session` example: one user's session object, whose behaviour a
//! feature flag in a KV namespace switches, and the workload whose
//! properties every session (its flag-trusting twin included) must keep.
//!
//! The session keeps its live connections in memory, the user's profile in
//! storage's key-value API, and an activity log in SQL. An admin Worker at
//! another edge flips the user's `beta` flag: it writes the flag to the
//! `FLAGS` namespace (which Workers everywhere read, and may read stale),
//! then tells the session the new value. The session keeps the value it
//! was told in its own storage — the flag's authoritative copy — and logs
//! each action with the flag in force; it reads the namespace only for a
//! banner, where a stale flag does no harm.

use std::cell::Cell;

use dosim::{DurableObject, Env, Result, RpcTarget, Sim, State, Stub};

/// The namespace binding of the sessions.
pub const SESSIONS: &str = "SESSION";
/// The KV namespace binding of the flags.
pub const FLAGS: &str = "FLAGS";
/// The user the workload plays.
pub const USER: &str = "ada";
/// Actions before the flip, and after it.
pub const ACTIONS_PER_PHASE: u64 = 3;

/// The flag's key in the namespace.
pub fn flag_key(user: &str) -> String {
    format!("beta:{user}")
}

/// A user's session.
pub struct Session {
    state: State,
    env: Env,
    /// Live connections: memory only, gone when the instance is.
    connections: Cell<u32>,
}

impl DurableObject for Session {
    fn new(state: State, env: Env) -> Self {
        create_schema(&state);
        Session {
            state,
            env,
            connections: Cell::new(0),
        }
    }
}

/// The activity log's table, created by the constructor.
pub fn create_schema(state: &State) {
    state
        .storage()
        .sql()
        .exec(
            "CREATE TABLE IF NOT EXISTS activity (n INTEGER PRIMARY KEY, \
             action TEXT NOT NULL, beta INTEGER NOT NULL)",
            (),
        )
        .expect("the activity log's schema");
}

/// Opens a connection for `user`: records the profile, counts the
/// connection, and greets with the flag as the namespace has it (a banner:
/// stale is fine).
pub async fn connect(
    state: &State,
    env: &Env,
    connections: &Cell<u32>,
    user: &str,
) -> Result<String> {
    state.storage().put("profile", &user.to_string()).await?;
    connections.set(connections.get() + 1);
    let flag = match env.kv_namespace(FLAGS)?.get(&flag_key(user)).await {
        Ok(flag) => flag.unwrap_or_else(|| "off".into()),
        Err(_) => "unknown".into(),
    };
    Ok(format!(
        "welcome {user} ({} connections here), beta {flag}",
        connections.get()
    ))
}

/// Logs action `n` with the flag stored in `state`; returns the flag.
pub async fn act(state: &State, n: u64, action: &str) -> Result<bool> {
    let beta: bool = state.storage().get("beta").await?.unwrap_or(false);
    state.storage().sql().exec(
        "INSERT OR IGNORE INTO activity (n, action, beta) VALUES (?, ?, ?)",
        (n as i64, action.to_string(), i64::from(beta)),
    )?;
    Ok(beta)
}

/// The activity log: (n, action, beta).
pub fn log(state: &State) -> Result<Vec<(i64, String, i64)>> {
    state
        .storage()
        .sql()
        .exec("SELECT n, action, beta FROM activity ORDER BY n", ())?
        .to_array()
}

dosim::rpc! {
    /// Calls to a session.
    pub trait SessionRpc for Session {
        /// Opens a connection for `user` (a join); returns a banner.
        pub async fn join(&self, user: String) -> Result<String> {
            connect(&self.state, &self.env, &self.connections, &user).await
        }

        /// The admin set the flag to `on` (and has written it to the
        /// namespace): keep it as the authoritative value.
        pub async fn set_beta(&self, on: bool) -> Result<()> {
            self.state.storage().put("beta", &on).await
        }

        /// Logs action `n` with the flag in force; returns the flag.
        pub async fn act(&self, n: u64, action: String) -> Result<bool> {
            act(&self.state, n, &action).await
        }

        /// The activity log.
        pub async fn log(&self) -> Result<Vec<(i64, String, i64)>> {
            log(&self.state)
        }
    }
}

/// Runs actions `range` from client 0; returns those acknowledged.
async fn actions<O>(sim: &Sim, range: std::ops::Range<u64>, action: &str) -> Result<Vec<u64>>
where
    O: DurableObject + RpcTarget,
    Stub<O>: SessionRpc,
{
    let ns = sim.client(0).namespace::<O>(SESSIONS)?;
    let mut acked = Vec::new();
    for n in range {
        // A new stub per request, as a Worker makes one.
        if ns.get_by_name(USER).act(n, action.into()).await.is_ok() {
            acked.push(n);
        }
        dosim::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(acked)
}

/// The workload and its properties, for any class that serves sessions
/// like [`Session`] (its twin included):
/// - `acknowledged_actions_logged`: every acknowledged action is in the log;
/// - `actions_after_flip_see_it`: an action made after the flip was
///   acknowledged is logged with the flag on;
/// - `flag_seen_after_the_bound`: once the staleness bound has passed, the
///   session's host reads the new flag.
pub async fn workload<O>(sim: Sim) -> Result<()>
where
    O: DurableObject + RpcTarget,
    Stub<O>: SessionRpc,
{
    let sessions = sim.register::<O>(SESSIONS)?;
    sim.kv_namespace(FLAGS)?;
    let user = sim.client(0).namespace::<O>(SESSIONS)?;
    sim.eventually(|| user.get_by_name(USER).join(USER.into()))
        .await?;
    let mut acked = actions::<O>(&sim, 0..ACTIONS_PER_PHASE, "browse").await?;

    // The admin Worker, at another edge: the namespace first, then the
    // session. A retry of a write that did land may meet the one write a
    // second limit; `eventually` waits it out.
    let admin = sim.client(1);
    let admin_flags = admin.kv_namespace(FLAGS)?;
    let key = flag_key(USER);
    sim.eventually(|| admin_flags.put(&key, "on")).await?;
    let admin_sessions = admin.namespace::<O>(SESSIONS)?;
    sim.eventually(|| admin_sessions.get_by_name(USER).set_beta(true))
        .await?;
    sim.note("the flip to beta on is acknowledged");

    let after = ACTIONS_PER_PHASE..2 * ACTIONS_PER_PHASE;
    acked.extend(actions::<O>(&sim, after, "beta-feature").await?);

    let log = sim.eventually(|| sessions.get_by_name(USER).log()).await?;
    for n in &acked {
        if !log.iter().any(|(m, _, _)| *m == *n as i64) {
            dosim::bail!(
                "property acknowledged_actions_logged failed: action {n} was acknowledged but \
                 is not in the log {log:?}"
            );
        }
    }
    for (n, action, beta) in &log {
        if *n >= ACTIONS_PER_PHASE as i64 && *beta == 0 {
            dosim::bail!(
                "property actions_after_flip_see_it failed: action {n} ({action}) was made \
                 after the flip to beta on was acknowledged, but ran with beta off"
            );
        }
    }

    // The user comes back after the namespace's staleness bound: the
    // banner, read at the session's host, shows the flag by now.
    dosim::sleep(dosim::platform::kv::CACHE_TTL_DEFAULT).await;
    let banner = sim
        .eventually(|| user.get_by_name(USER).join(USER.into()))
        .await?;
    if !banner.ends_with("beta on") {
        dosim::bail!(
            "property flag_seen_after_the_bound failed: a minute after the flip the banner \
             reads {banner:?}"
        );
    }
    Ok(())
}
