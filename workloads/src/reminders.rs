//! The `reminders` example: per-user reminders on the agents layer, each a
//! schedule of its user's agent (one-shot after a delay, or a cron
//! expression), several per user; and the workload every reminders agent
//! (its single-slot twin included) must pass.

use std::time::{Duration, SystemTime};

use dosim::agents::{Agent, AgentContext};
use dosim::{DurableObject, Env, Result, RpcTarget, Runner, Sim, Stub};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How long the workload waits for reminders to fire.
pub const HORIZON: Duration = Duration::from_secs(2 * 3600);

/// When a reminder is due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Due {
    /// Once, this many milliseconds after it was added.
    InMs(u64),
    /// At every match of a cron expression.
    Cron(String),
}

/// One user's reminders.
pub struct Reminders {
    ctx: AgentContext<()>,
}

impl Agent for Reminders {
    type State = ();

    fn create(ctx: AgentContext<()>, _env: Env) -> Self {
        setup(&ctx);
        Reminders { ctx }
    }

    fn context(&self) -> &AgentContext<()> {
        &self.ctx
    }

    fn initial_state(&self) {}

    async fn run_task(&self, task: &str, payload: Value) -> Result<()> {
        fire(&self.ctx, task, payload)
    }
}

/// The tables: reminders added (with their first due time) and firings.
pub fn setup(ctx: &AgentContext<()>) {
    for ddl in [
        "CREATE TABLE IF NOT EXISTS reminders (label TEXT PRIMARY KEY, due_ms INTEGER NOT NULL, \
         cron INTEGER NOT NULL)",
        "CREATE TABLE IF NOT EXISTS fired (id INTEGER PRIMARY KEY, label TEXT NOT NULL, at_ms \
         INTEGER NOT NULL)",
    ] {
        ctx.sql().exec(ddl, ()).expect("the reminders' schema");
    }
}

/// Notes that reminder `payload` fired now.
pub fn fire(ctx: &AgentContext<()>, task: &str, payload: Value) -> Result<()> {
    if task != "remind" {
        dosim::bail!("no task {task}");
    }
    let label = payload.as_str().unwrap_or_default();
    ctx.sql().exec(
        "INSERT INTO fired (label, at_ms) VALUES (?, ?)",
        (label, unix_ms(dosim::now())),
    )?;
    Ok(())
}

/// Records reminder `label`, due as its schedule says, once: a retried add
/// finds it there.
pub fn record(ctx: &AgentContext<()>, label: &str, schedule_ms: i64, cron: bool) -> Result<()> {
    ctx.sql().exec(
        "INSERT INTO reminders (label, due_ms, cron) VALUES (?, ?, ?)",
        (label, schedule_ms, i64::from(cron)),
    )?;
    Ok(())
}

/// Schedules reminder `label` as `due` says, and records it.
pub async fn schedule(ctx: &AgentContext<()>, label: &str, due: &Due) -> Result<()> {
    let schedule = match due {
        Due::InMs(ms) => {
            ctx.schedule(Duration::from_millis(*ms), "remind", label)
                .await?
        }
        Due::Cron(expr) => ctx.schedule(expr.as_str(), "remind", label).await?,
    };
    record(
        ctx,
        label,
        unix_ms(schedule.time),
        matches!(due, Due::Cron(_)),
    )
}

/// Whether `label` was already added.
pub fn known(ctx: &AgentContext<()>, label: &str) -> Result<bool> {
    Ok(ctx
        .sql()
        .exec("SELECT label FROM reminders WHERE label = ?", (label,))?
        .count()
        > 0)
}

/// Every reminder: (label, first due, cron), and every firing: (label, at).
pub fn report(ctx: &AgentContext<()>) -> Result<Report> {
    #[derive(Deserialize)]
    struct Reminder {
        label: String,
        due_ms: i64,
        cron: i64,
    }
    #[derive(Deserialize)]
    struct Fired {
        label: String,
        at_ms: i64,
    }
    let reminders: Vec<Reminder> = ctx
        .sql()
        .exec(
            "SELECT label, due_ms, cron FROM reminders ORDER BY label",
            (),
        )?
        .to_array()?;
    let fired: Vec<Fired> = ctx
        .sql()
        .exec("SELECT label, at_ms FROM fired ORDER BY id", ())?
        .to_array()?;
    Ok(Report {
        reminders: reminders
            .into_iter()
            .map(|r| (r.label, r.due_ms, r.cron != 0))
            .collect(),
        fired: fired.into_iter().map(|f| (f.label, f.at_ms)).collect(),
    })
}

/// What a reminders agent holds.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Report {
    /// (label, first due in Unix ms, whether it is a cron reminder).
    pub reminders: Vec<(String, i64, bool)>,
    /// (label, Unix ms) of each firing.
    pub fired: Vec<(String, i64)>,
}

/// Unix milliseconds of `t`.
pub fn unix_ms(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Calls to a reminders agent: the client trait `RemindersRpc`.
#[dosim::rpc_methods(pub RemindersRpc)]
impl Reminders {
    /// Adds reminder `label` (once: adding it again does nothing).
    pub async fn add(&self, label: String, due: Due) -> Result<()> {
        if known(&self.ctx, &label)? {
            return Ok(());
        }
        schedule(&self.ctx, &label, &due).await
    }

    /// The reminders and their firings.
    pub async fn report(&self) -> Result<Report> {
        report(&self.ctx)
    }
}

/// The workload: each user adds two one-shot reminders and a cron one;
/// after two simulated hours every reminder due has fired, never early.
pub async fn workload<A>(sim: Sim) -> Result<()>
where
    A: DurableObject + RpcTarget,
    Stub<A>: RemindersRpc,
{
    let agents = sim.register::<A>("REMINDERS")?;
    let mut tasks = Vec::new();
    for (i, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<A>("REMINDERS")?;
        let user = format!("u{i}");
        let first = 60_000 + sim.random_below(20 * 60_000);
        let second = 60_000 + sim.random_below(40 * 60_000);
        let sim2 = sim.clone();
        tasks.push(client.spawn(async move {
            let plan = [
                ("a", Due::InMs(first)),
                ("b", Due::InMs(second)),
                ("c", Due::Cron("*/20 * * * *".to_string())),
            ];
            for (label, due) in plan {
                let label = format!("{user}-{label}");
                sim2.eventually(|| ns.get_by_name(&user).add(label.clone(), due.clone()))
                    .await?;
            }
            Ok::<_, dosim::Error>(())
        }));
    }
    for t in dosim::join_all(tasks).await? {
        t?;
    }
    dosim::sleep(HORIZON).await;
    let end = unix_ms(dosim::now());
    for i in 0..sim.clients().len() {
        let user = format!("u{i}");
        let report = sim
            .eventually(|| agents.get_by_name(&user).report())
            .await?;
        audit(&user, &report, end)?;
    }
    Ok(())
}

fn audit(user: &str, report: &Report, end_ms: i64) -> Result<()> {
    for (label, due_ms, cron) in &report.reminders {
        let firings: Vec<i64> = report
            .fired
            .iter()
            .filter(|(l, _)| l == label)
            .map(|(_, at)| *at)
            .collect();
        if let Some(early) = firings.iter().find(|at| **at < *due_ms) {
            dosim::bail!(
                "{user}'s reminder {label} fired at {early}, before it was due ({due_ms})"
            );
        }
        if *due_ms < end_ms - 60_000 && firings.is_empty() {
            dosim::bail!("{user}'s reminder {label}, due at {due_ms}, never fired");
        }
        if *cron && firings.len() < 2 {
            dosim::bail!(
                "{user}'s cron reminder {label} fired {} times in two hours",
                firings.len()
            );
        }
    }
    Ok(())
}

/// How the example and its tests run it: runs last a few simulated hours.
pub fn runner(name: &str) -> Runner {
    Runner::new(name)
        .seeds(200)
        .deadline(HORIZON + Duration::from_secs(3600))
}
