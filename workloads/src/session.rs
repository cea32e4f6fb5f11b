//! The `session` example: one user's session object, whose behaviour a
//! feature flag in a KV namespace switches, and the workload whose
//! properties every session (its flag-trusting twin included) must keep.
//!
//! The session keeps its live connections in memory, the user's profile in
//! storage's key-value API, its recent activity in SQL and older activity
//! in a bucket. An admin Worker at another edge flips the user's `beta`
//! flag: it writes the flag to the `FLAGS` namespace (which Workers
//! everywhere read, and may read stale), then tells the session the new
//! value. The session keeps the value it was told in its own storage — the
//! flag's authoritative copy — and logs each action with the flag in force;
//! it reads the namespace only for a banner, where a stale flag does no
//! harm.
//!
//! Once SQL holds more than [`LOG_MAX`] actions, the session moves the
//! oldest [`ARCHIVE_BATCH`] to the `ARCHIVE` bucket as one object keyed by
//! their number range, and deletes those rows only after the bucket
//! confirmed the put. A failed put, or one whose outcome is unknown, leaves
//! the rows; the next try takes the same rows and writes the same key with
//! the same body, so repeating a put that did land is harmless. The log is
//! append-only in action order (an action older than the newest logged one
//! is refused), which keeps every batch the oldest rows and the archive's
//! objects apart.

use std::cell::Cell;

use dosim::platform::bucket::PutOptions;
use dosim::{DurableObject, Env, Result, RpcTarget, Sim, State, Stub};

use crate::archive;

/// The namespace binding of the sessions.
pub const SESSIONS: &str = "SESSION";
/// The KV namespace binding of the flags.
pub const FLAGS: &str = "FLAGS";
/// The user the workload plays.
pub const USER: &str = "ada";
/// Actions before the flip, and after it: enough, together, to archive
/// twice.
pub const ACTIONS_PER_PHASE: u64 = 8;
/// The bucket binding old activity goes to.
pub const BUCKET: &str = "ARCHIVE";
/// Actions SQL holds before the oldest are archived. Production sessions
/// would keep more; a small log archives within one short run.
pub const LOG_MAX: usize = 8;
/// Actions per archived object.
pub const ARCHIVE_BATCH: usize = 4;

/// One logged action: its number, what it was, and the flag in force
/// (0 or 1).
pub type Entry = (i64, String, i64);

/// The flag's key in the namespace.
pub fn flag_key(user: &str) -> String {
    format!("beta:{user}")
}

/// A user's session.
pub struct Session {
    pub(crate) state: State,
    pub(crate) env: Env,
    /// Live connections: memory only, gone when the instance is.
    connections: Cell<u32>,
    /// An archive put is out: a second one would only repeat it.
    archiving: Cell<bool>,
}

impl DurableObject for Session {
    fn new(state: State, env: Env) -> Self {
        create_schema(&state);
        Session {
            state,
            env,
            connections: Cell::new(0),
            archiving: Cell::new(false),
        }
    }
}

#[dosim::rpc_methods(pub SessionRpc)]
impl Session {
    /// Opens a connection for `user` (a join); returns a banner.
    pub async fn join(&self, user: String) -> Result<String> {
        connect(&self.state, &self.env, &self.connections, &user).await
    }

    /// The admin set the flag to `on` (and has written it to the
    /// namespace): keep it as the authoritative value.
    pub async fn set_beta(&self, on: bool) -> Result<()> {
        self.state.storage().put("beta", &on).await
    }

    /// Logs action `n` with the flag in force, then archives the oldest
    /// actions if SQL holds too many; returns the flag.
    pub async fn act(&self, n: u64, action: String) -> Result<bool> {
        let beta = act(&self.state, n, &action).await?;
        // A failed archive leaves the rows for the next action to retry.
        let _ = self.archive().await;
        Ok(beta)
    }

    /// The actions still in SQL, oldest first.
    pub async fn log(&self) -> Result<Vec<Entry>> {
        log(&self.state)
    }

    /// Every logged action, oldest first: the archived ones, then those
    /// still in SQL.
    pub async fn activity(&self) -> Result<Vec<Entry>> {
        // SQL first: a batch archived while the bucket is read was in the
        // bucket before it left SQL, so it is read at least once.
        let in_sql = log(&self.state)?;
        let mut entries = Vec::new();
        let bucket = self.env.bucket(BUCKET)?;
        for (key, body) in archive::bodies(&bucket, &archive_prefix(&self.state)).await? {
            entries.extend(parse(&key, &body)?);
        }
        // A batch whose put landed but whose rows were not deleted yet is
        // in both; the same entry is one action.
        let rest: Vec<Entry> = in_sql
            .into_iter()
            .filter(|e| !entries.contains(e))
            .collect();
        entries.extend(rest);
        Ok(entries)
    }
}

impl Session {
    /// Archives the oldest [`ARCHIVE_BATCH`] actions once SQL holds more
    /// than [`LOG_MAX`], then deletes them from SQL.
    async fn archive(&self) -> Result<()> {
        let entries = log(&self.state)?;
        if entries.len() <= LOG_MAX || self.archiving.replace(true) {
            return Ok(());
        }
        let batch = &entries[..ARCHIVE_BATCH];
        let put = put_batch(&self.state, &self.env, batch).await;
        self.archiving.set(false);
        put?;
        let last = batch.last().map_or(0, |(n, _, _)| *n);
        self.state
            .storage()
            .sql()
            .exec("DELETE FROM activity WHERE n <= ?", (last,))?;
        Ok(())
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

/// Logs action `n` with the flag stored in `state`; returns the flag. An
/// action older than the newest logged one (a request that arrived late,
/// which its client no longer waits for) is refused: archived batches are
/// always the oldest rows.
pub async fn act(state: &State, n: u64, action: &str) -> Result<bool> {
    let n = n as i64;
    if let Some((newest, _, _)) = log(state)?.last() {
        if n < *newest {
            dosim::bail!("action {n} is older than the newest logged one, {newest}");
        }
    }
    let beta: bool = state.storage().get("beta").await?.unwrap_or(false);
    state.storage().sql().exec(
        "INSERT OR IGNORE INTO activity (n, action, beta) VALUES (?, ?, ?)",
        (n, action.to_string(), i64::from(beta)),
    )?;
    Ok(beta)
}

/// The activity log still in SQL, oldest first.
pub fn log(state: &State) -> Result<Vec<Entry>> {
    state
        .storage()
        .sql()
        .exec("SELECT n, action, beta FROM activity ORDER BY n", ())?
        .to_array()
}

/// Where the session in `state` archives its activity in the bucket: under
/// its name (its id, if it has none).
pub fn archive_prefix(state: &State) -> String {
    let id = state.id();
    match id.name() {
        Some(name) => format!("activity/{name}/"),
        None => format!("activity/{}/", id.to_hex()),
    }
}

/// Writes `batch` to the bucket as one object, keyed by its number range
/// (zero-padded, so key order is action order).
async fn put_batch(state: &State, env: &Env, batch: &[Entry]) -> Result<()> {
    let (Some(first), Some(last)) = (batch.first(), batch.last()) else {
        return Ok(());
    };
    let key = format!("{}{:010}-{:010}", archive_prefix(state), first.0, last.0);
    let body: String = batch
        .iter()
        .map(|(n, action, beta)| format!("{n}\t{action}\t{beta}\n"))
        .collect();
    env.bucket(BUCKET)?
        .put(&key, body, PutOptions::default())
        .await?;
    Ok(())
}

/// Reads one archived batch's body back into entries.
fn parse(key: &str, body: &str) -> Result<Vec<Entry>> {
    body.lines()
        .map(|line| {
            let bad = || dosim::Error::new(format!("archive `{key}` holds a bad line `{line}`"));
            let mut fields = line.split('\t');
            let (Some(n), Some(action), Some(beta), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad());
            };
            let n = n.parse().map_err(|_| bad())?;
            let beta = beta.parse().map_err(|_| bad())?;
            Ok((n, action.to_string(), beta))
        })
        .collect()
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
/// - `acknowledged_actions_logged`: every acknowledged action is in SQL or
///   in the archive, exactly once, and the whole activity is in action
///   order;
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
    sim.bucket(BUCKET)?;
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

    let activity = sim
        .eventually(|| sessions.get_by_name(USER).activity())
        .await?;
    check_activity(&acked, &activity)?;

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

/// The properties on the whole activity (archived, then in SQL):
/// `acknowledged_actions_logged` and `actions_after_flip_see_it`.
pub fn check_activity(acked: &[u64], activity: &[Entry]) -> Result<()> {
    let numbers: Vec<i64> = activity.iter().map(|(n, _, _)| *n).collect();
    if let Some(pair) = numbers.windows(2).find(|w| w[0] >= w[1]) {
        dosim::bail!(
            "property acknowledged_actions_logged failed: action {} follows action {} in the \
             activity {numbers:?} (archived, then in SQL): out of order or twice",
            pair[1],
            pair[0]
        );
    }
    if let Some(n) = acked.iter().find(|n| !numbers.contains(&(**n as i64))) {
        dosim::bail!(
            "property acknowledged_actions_logged failed: action {n} was acknowledged but is \
             neither archived nor in SQL; the activity holds {numbers:?}"
        );
    }
    for (n, action, beta) in activity {
        if *n >= ACTIONS_PER_PHASE as i64 && *beta == 0 {
            dosim::bail!(
                "property actions_after_flip_see_it failed: action {n} ({action}) was made \
                 after the flip to beta on was acknowledged, but ran with beta off"
            );
        }
    }
    Ok(())
}
