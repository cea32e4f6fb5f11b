//! The `job_runner` example: a job queue on the agents layer that runs
//! each job's steps through the agent's task queue and reports progress to
//! connected dashboards through state sync; and the workload every runner
//! (its done-first twin included) must pass.

use std::collections::BTreeMap;
use std::time::Duration;

use dosim::agents::{Agent, AgentClient, AgentContext};
use dosim::{DurableObject, Env, Result, RpcTarget, Runner, Sim, Stub};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Steps of each job.
pub const STEPS: u64 = 4;

/// A job's progress, as dashboards see it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Steps done.
    pub steps: u64,
    /// Whether the job is done.
    pub done: bool,
}

/// The state pushed to dashboards: each job's progress.
pub type Board = BTreeMap<String, Progress>;

/// The job runner.
pub struct JobRunner {
    ctx: AgentContext<Board>,
}

impl Agent for JobRunner {
    type State = Board;

    fn create(ctx: AgentContext<Board>, _env: Env) -> Self {
        setup(&ctx);
        JobRunner { ctx }
    }

    fn context(&self) -> &AgentContext<Board> {
        &self.ctx
    }

    fn initial_state(&self) -> Board {
        Board::new()
    }

    async fn run_task(&self, task: &str, payload: Value) -> Result<()> {
        let job = job_of(task, &payload)?;
        if self.state().get(&job).is_some_and(|p| p.done) {
            // A retry of a job already finished.
            return Ok(());
        }
        if run_steps(self, &job).await.is_err() {
            // The runner's own retry: the job goes to the back of the
            // queue, its finished steps kept, so a job is never dropped
            // after the alarm's last try.
            self.ctx.queue("job", &job).await?;
            return Ok(());
        }
        let mut board = self.state();
        board.entry(job).or_default().done = true;
        self.set_state(board).await
    }
}

/// The table of step results: one row per (job, step) done.
pub fn setup(ctx: &AgentContext<Board>) {
    ctx.sql()
        .exec(
            "CREATE TABLE IF NOT EXISTS steps (job TEXT NOT NULL, step INTEGER NOT NULL, \
             PRIMARY KEY (job, step))",
            (),
        )
        .expect("the steps' schema");
}

/// The job a queued task names.
pub fn job_of(task: &str, payload: &Value) -> Result<String> {
    match (task, payload.as_str()) {
        ("job", Some(job)) => Ok(job.to_string()),
        _ => dosim::bail!("no task {task} with payload {payload}"),
    }
}

/// Runs the steps of `job` not yet done, each taking a while, and reports
/// each one to the dashboards.
pub async fn run_steps<A: Agent<State = Board>>(agent: &A, job: &str) -> Result<()> {
    let ctx = agent.context();
    for step in 0..STEPS {
        let done = ctx
            .sql()
            .exec(
                "SELECT step FROM steps WHERE job = ? AND step = ?",
                (job, step as i64),
            )?
            .count()
            > 0;
        if done {
            continue;
        }
        // The work: it leaves the object for a while (a crash may come).
        dosim::sleep(Duration::from_millis(150)).await;
        if dosim::buggify() {
            dosim::bail!("step {step} of {job} failed; the alarm retries it");
        }
        ctx.sql().exec(
            "INSERT INTO steps (job, step) VALUES (?, ?)",
            (job, step as i64),
        )?;
        let mut board = agent.state();
        board.entry(job.to_string()).or_default().steps = step + 1;
        agent.set_state(board).await?;
    }
    Ok(())
}

/// Shows `job` on the board and queues it (once: a retried submit finds
/// it there).
pub async fn submit<A: Agent<State = Board>>(agent: &A, job: &str) -> Result<()> {
    let mut board = agent.state();
    if board.contains_key(job) {
        return Ok(());
    }
    board.insert(job.to_string(), Progress::default());
    agent.set_state(board).await?;
    agent.context().queue("job", job).await?;
    Ok(())
}

/// Steps recorded per job.
pub fn steps_done(ctx: &AgentContext<Board>) -> Result<BTreeMap<String, u64>> {
    #[derive(Deserialize)]
    struct Row {
        job: String,
        n: i64,
    }
    let rows: Vec<Row> = ctx
        .sql()
        .exec("SELECT job, COUNT(*) AS n FROM steps GROUP BY job", ())?
        .to_array()?;
    Ok(rows
        .into_iter()
        .map(|r| (r.job, r.n.unsigned_abs()))
        .collect())
}

/// Calls to a job runner: the client trait `JobRunnerRpc`.
#[dosim::rpc_methods(pub JobRunnerRpc)]
impl JobRunner {
    /// Submits `job` (once: submitting it again does nothing).
    pub async fn submit(&self, job: String) -> Result<()> {
        submit(self, &job).await
    }

    /// The board, and the steps recorded per job.
    pub async fn status(&self) -> Result<(Board, BTreeMap<String, u64>)> {
        Ok((self.state(), steps_done(&self.ctx)?))
    }
}

/// The workload: clients submit jobs while dashboards watch; at the end
/// every job is done with all its steps, and every dashboard shows the
/// final board.
pub async fn workload<A>(sim: Sim) -> Result<()>
where
    A: DurableObject + RpcTarget,
    Stub<A>: JobRunnerRpc,
{
    let runners = sim.register::<A>("JOBS")?;
    let mut dashboards = Vec::new();
    for i in 0..2 {
        let ns = sim.client(i).namespace::<A>("JOBS")?;
        if let Ok(d) = AgentClient::connect(&ns, "runner", &format!("dash{i}")).await {
            dashboards.push(d);
        }
    }
    let mut tasks = Vec::new();
    for (i, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<A>("JOBS")?;
        let sim2 = sim.clone();
        // A quiet spell between a client's jobs: the runner may hibernate
        // with its dashboards connected.
        let pause = Duration::from_millis(10_000 + sim.random_below(5_000));
        tasks.push(client.spawn(async move {
            for j in 0..2 {
                if j > 0 {
                    dosim::sleep(pause).await;
                }
                let job = format!("job{i}.{j}");
                sim2.eventually(|| ns.get_by_name("runner").submit(job.clone()))
                    .await?;
            }
            Ok::<_, dosim::Error>(())
        }));
    }
    for t in dosim::join_all(tasks).await? {
        t?;
    }
    // Long enough for every job to run, with retries.
    dosim::sleep(Duration::from_secs(300)).await;
    let (board, steps) = sim
        .eventually(|| runners.get_by_name("runner").status())
        .await?;
    for (job, progress) in &board {
        let recorded = steps.get(job).copied().unwrap_or(0);
        if progress.done && recorded < STEPS {
            dosim::bail!("{job} is shown done with {recorded} of its {STEPS} steps run");
        }
        if !progress.done {
            dosim::bail!("{job} never finished: {progress:?}, {recorded} steps recorded");
        }
    }
    for d in &dashboards {
        // A dashboard whose connection a crash broke stops watching.
        if let Err(e) = d.converge(&board, Duration::from_secs(10)).await {
            if !d.is_closed() {
                return Err(e);
            }
        }
    }
    Ok(())
}

/// How the example and its tests run it.
pub fn runner(name: &str) -> Runner {
    Runner::new(name).seeds(200)
}
