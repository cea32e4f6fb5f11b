//! The agents layer: schedules on one alarm over a simulated month under
//! faults, tasks that change the schedules of the alarm running them, due
//! order when several fall due at once (and more than one alarm runs),
//! state pushed until every client converges, connection state
//! through hibernation, the queue through a crash, validation of server and
//! client changes, and bad frames answered with errors.

mod common;

use std::time::{Duration, SystemTime};

use dosim::agents::{Agent, AgentClient, AgentContext, AgentEvent, Connection, StateSource};
use dosim::{Env, Faults, Message, Result, Runner, Sim, Stub};
use serde_json::{json, Value};

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A test agent: its state is a bounded counter; its tasks note their runs.
struct Planner {
    ctx: AgentContext<u64>,
}

impl Agent for Planner {
    type State = u64;
    const CALLABLE: &'static [&'static str] = &["add", "whoami"];

    fn create(ctx: AgentContext<u64>, _env: Env) -> Self {
        ctx.sql()
            .exec(
                "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, task TEXT, at_ms INTEGER)",
                (),
            )
            .expect("the runs table");
        ctx.sql()
            .exec("CREATE TABLE IF NOT EXISTS starts (n INTEGER)", ())
            .expect("the starts table");
        Planner { ctx }
    }

    fn context(&self) -> &AgentContext<u64> {
        &self.ctx
    }

    fn initial_state(&self) -> u64 {
        0
    }

    async fn on_start(&self) -> Result<()> {
        self.ctx.sql().exec("INSERT INTO starts VALUES (1)", ())?;
        Ok(())
    }

    fn validate_state_change(&self, next: &u64, _source: &StateSource) -> Result<()> {
        if *next > 100 {
            dosim::bail!("the count stays at most 100, not {next}");
        }
        Ok(())
    }

    async fn on_message(&self, conn: &Connection, message: Message) -> Result<()> {
        let text = message.text().unwrap_or_default();
        if let Some(name) = text.strip_prefix("name:") {
            conn.set_state(&name.to_string())?;
        }
        Ok(())
    }

    async fn run_task(&self, task: &str, payload: Value) -> Result<()> {
        let at = ms_of(dosim::now());
        self.ctx
            .sql()
            .exec("INSERT INTO runs (task, at_ms) VALUES (?, ?)", (task, at))?;
        if task == "slow" {
            // Long enough for a crash to come in the middle.
            dosim::sleep(Duration::from_millis(800)).await;
            self.ctx.sql().exec(
                "INSERT INTO runs (task, at_ms) VALUES ('slow_done', ?)",
                (at,),
            )?;
        }
        match task {
            // Tasks that change the schedules while the alarm runs them.
            "cancel" => {
                let id = payload.as_u64().unwrap_or_default();
                self.ctx.cancel_schedule(id).await?;
            }
            "chain" => {
                self.ctx
                    .schedule(Duration::ZERO, "chained", &json!(null))
                    .await?;
            }
            _ => {}
        }
        Ok(())
    }
}

fn ms_of(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

#[dosim::rpc_methods(PlannerRpc)]
impl Planner {
    /// Plans the three schedules once: a delay, a date and a cron.
    async fn plan(&self) -> Result<()> {
        if !self.ctx.get_schedules()?.is_empty() {
            return Ok(());
        }
        self.ctx.schedule(2 * DAY, "delay", &json!(null)).await?;
        self.ctx
            .schedule(dosim::now() + 10 * DAY, "date", &json!(null))
            .await?;
        self.ctx
            .schedule("0 0 20 * *", "cron", &json!(null))
            .await?;
        Ok(())
    }

    /// Three schedules due at once (ids 1, 2, 3 in a new agent): the first
    /// cancels the second, the third schedules another, due at once.
    async fn plan_changes(&self) -> Result<()> {
        if !self.ctx.get_schedules()?.is_empty() {
            return Ok(());
        }
        let now = dosim::now();
        self.ctx.schedule(now, "cancel", &json!(2)).await?;
        self.ctx.schedule(now, "victim", &json!(null)).await?;
        self.ctx.schedule(now, "chain", &json!(null)).await?;
        Ok(())
    }

    /// A slow task, then two schedules due while it runs, the later one
    /// added first.
    async fn plan_order(&self) -> Result<()> {
        if !self.ctx.get_schedules()?.is_empty() {
            return Ok(());
        }
        let ms = Duration::from_millis;
        self.ctx.schedule(ms(1000), "slow", &json!(null)).await?;
        self.ctx.schedule(ms(1500), "late", &json!(null)).await?;
        self.ctx.schedule(ms(1200), "early", &json!(null)).await?;
        Ok(())
    }

    /// `n` schedules due at once, tasks `b0000`, `b0001`, … in id order.
    async fn plan_many(&self, n: u64) -> Result<()> {
        if !self.ctx.get_schedules()?.is_empty() {
            return Ok(());
        }
        let now = dosim::now();
        for i in 0..n {
            self.ctx
                .schedule(now, &format!("b{i:04}"), &json!(null))
                .await?;
        }
        Ok(())
    }

    /// The alarm and the earliest schedule, in Unix ms.
    async fn alarm_and_earliest(&self) -> Result<(Option<i64>, Option<i64>)> {
        let alarm = self.ctx.object().storage().get_alarm().await?.map(ms_of);
        let earliest = self.ctx.get_schedules()?.first().map(|s| ms_of(s.time));
        Ok((alarm, earliest))
    }

    /// Each task's run, in order: (task, Unix ms).
    async fn runs(&self) -> Result<Vec<(String, i64)>> {
        #[derive(serde::Deserialize)]
        struct Run {
            task: String,
            at_ms: i64,
        }
        let runs: Vec<Run> = self
            .ctx
            .sql()
            .exec("SELECT task, at_ms FROM runs ORDER BY id", ())?
            .to_array()?;
        Ok(runs.into_iter().map(|r| (r.task, r.at_ms)).collect())
    }

    /// How many instances started.
    async fn starts(&self) -> Result<u64> {
        let rows = self.ctx.sql().exec("SELECT n FROM starts", ())?;
        Ok(rows.count() as u64)
    }

    /// Queues the slow task.
    async fn enqueue_slow(&self) -> Result<u64> {
        self.ctx.queue("slow", &json!(null)).await
    }

    /// Tasks waiting in the queue.
    async fn queued(&self) -> Result<usize> {
        Ok(self.ctx.get_queue()?.len())
    }

    /// Adds `by` to the count (refused past 100).
    async fn add(&self, by: u64) -> Result<u64> {
        self.set_state(self.state() + by).await?;
        Ok(self.state())
    }

    /// The state.
    async fn count(&self) -> Result<u64> {
        Ok(self.state())
    }

    /// Names, by connection id, from the connections' own state.
    async fn whoami(&self) -> Result<Vec<(String, Option<String>)>> {
        self.ctx
            .get_connections(None)
            .iter()
            .map(|c| Ok((c.id().to_string(), c.state::<String>()?)))
            .collect()
    }
}

async fn month(sim: Sim) -> Result<()> {
    let agents = sim.register::<Planner>("PLANNER")?;
    let start = ms_of(dosim::now());
    sim.eventually(|| agents.get_by_name("p").plan()).await?;
    let (alarm, earliest) = sim
        .eventually(|| agents.get_by_name("p").alarm_and_earliest())
        .await?;
    assert_eq!(alarm, earliest, "the alarm is the earliest schedule");
    dosim::sleep(32 * DAY).await;
    let runs = sim.eventually(|| agents.get_by_name("p").runs()).await?;
    let first = |task: &str| runs.iter().find(|(t, _)| t == task).map(|(_, at)| *at);
    let (Some(delay), Some(date), Some(cron)) = (first("delay"), first("date"), first("cron"))
    else {
        dosim::bail!("not every schedule ran in a month: {runs:?}");
    };
    assert!(delay < date && date < cron, "in order: {runs:?}");
    let day_ms = DAY.as_millis() as i64;
    assert!(delay >= start + 2 * day_ms, "the delay ran early: {runs:?}");
    assert!(date >= start + 10 * day_ms, "the date ran early: {runs:?}");
    assert!(cron >= start + 19 * day_ms, "the cron ran early: {runs:?}");
    let (alarm, earliest) = sim
        .eventually(|| agents.get_by_name("p").alarm_and_earliest())
        .await?;
    assert_eq!(
        alarm, earliest,
        "after a month, the alarm is the cron's next"
    );
    Ok(())
}

#[test]
fn three_schedules_fire_in_order_over_a_simulated_month_under_swarm_faults() {
    let report = Runner::new("agent_month")
        .faults(Faults::Swarm)
        .seeds(100)
        .deadline(40 * DAY)
        .quiet()
        .run(month);
    assert!(
        report.passed(),
        "{:#?}",
        report.failures.iter().map(|f| &f.text).collect::<Vec<_>>()
    );
}

/// Plans a new agent's schedules with `plan`, waits a minute, and returns
/// the tasks that ran, in order.
async fn tasks_run<F, Fut>(sim: &Sim, plan: F) -> Result<Vec<String>>
where
    F: Fn(Stub<Planner>) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let agents = sim.register::<Planner>("PLANNER")?;
    sim.eventually(|| plan(agents.get_by_name("p"))).await?;
    dosim::sleep(Duration::from_secs(60)).await;
    let runs = sim.eventually(|| agents.get_by_name("p").runs()).await?;
    Ok(runs.into_iter().map(|(task, _)| task).collect())
}

#[test]
fn a_task_that_cancels_or_adds_a_due_schedule_is_seen_by_the_same_alarm() {
    common::check("agent_changes", 5, |sim| {
        Box::pin(async move {
            let tasks = tasks_run(&sim, |p| async move { p.plan_changes().await }).await?;
            assert_eq!(
                tasks,
                ["cancel", "chain", "chained"],
                "the cancelled schedule never ran, the added one did"
            );
            Ok(())
        })
    });
}

#[test]
fn schedules_that_fell_due_during_a_slow_task_run_by_due_time_not_by_id() {
    common::check("agent_due_order", 3, |sim| {
        Box::pin(async move {
            let tasks = tasks_run(&sim, |p| async move { p.plan_order().await }).await?;
            assert_eq!(tasks, ["slow", "slow_done", "early", "late"]);
            Ok(())
        })
    });
}

#[test]
fn more_due_schedules_than_one_alarm_runs_run_in_order_over_two_alarms() {
    common::check("agent_many_due", 1, |sim| {
        Box::pin(async move {
            let n = dosim::agents::ALARM_TASKS_MAX as u64 + 5;
            let tasks = tasks_run(&sim, |p| async move { p.plan_many(n).await }).await?;
            let expected: Vec<String> = (0..n).map(|i| format!("b{i:04}")).collect();
            assert_eq!(tasks, expected, "every schedule ran once, in id order");
            Ok(())
        })
    });
}

#[test]
fn every_client_converges_to_the_agents_state() {
    common::check("agent_sync", 5, |sim| {
        Box::pin(async move {
            let agents = sim.register::<Planner>("PLANNER")?;
            let a = AgentClient::connect(&agents, "p", "a").await?;
            let b = AgentClient::connect(&agents, "p", "b").await?;
            a.converge(&0u64, Duration::from_secs(5)).await?;
            let after: u64 = a.call("add", vec![json!(3)]).await?;
            assert_eq!(after, 3);
            agents.get_by_name("p").add(4).await?;
            a.converge(&7u64, Duration::from_secs(5)).await?;
            b.converge(&7u64, Duration::from_secs(5)).await?;
            Ok(())
        })
    });
}

#[test]
fn a_connections_state_survives_hibernation() {
    common::check("agent_hibernation", 3, |sim| {
        Box::pin(async move {
            let agents = sim.register::<Planner>("PLANNER")?;
            let a = AgentClient::connect(&agents, "p", "alice").await?;
            a.send("name:alice")?;
            let before: u64 = agents.get_by_name("p").starts().await?;
            // Idle for longer than the hibernation window.
            dosim::sleep(Duration::from_secs(30)).await;
            let names: Vec<(String, Option<String>)> = a.call("whoami", vec![]).await?;
            assert_eq!(
                names,
                vec![("alice".to_string(), Some("alice".to_string()))]
            );
            let after = agents.get_by_name("p").starts().await?;
            assert!(
                after > before,
                "the agent hibernated and woke ({before} → {after})"
            );
            Ok(())
        })
    });
}

#[test]
fn a_queued_task_resumes_after_a_crash() {
    let plan: dosim::sim::FaultPlan = serde_json::from_str(
        r#"{"schedule": [{"at_ms": 400, "fault": {"kind": "crash", "host": "host-0", "restart_after_ms": 100}},
                         {"at_ms": 400, "fault": {"kind": "crash", "host": "host-1", "restart_after_ms": 100}}]}"#,
    )
    .unwrap();
    let report = Runner::new("agent_queue_crash")
        .seeds(3)
        .faults(Faults::Plan(plan))
        .quiet()
        .run(|sim| async move {
            let agents = sim.register::<Planner>("PLANNER")?;
            agents.get_by_name("p").enqueue_slow().await?;
            dosim::sleep(Duration::from_secs(60)).await;
            let runs = sim.eventually(|| agents.get_by_name("p").runs()).await?;
            let starts = runs.iter().filter(|(t, _)| t == "slow").count();
            let done = runs.iter().filter(|(t, _)| t == "slow_done").count();
            assert!(done >= 1, "the task finished: {runs:?}");
            assert!(starts >= 2, "the crash cut the first run short: {runs:?}");
            let queued = sim.eventually(|| agents.get_by_name("p").queued()).await?;
            assert_eq!(queued, 0, "a finished task leaves the queue");
            Ok(())
        });
    assert!(
        report.passed(),
        "{:#?}",
        report.failures.iter().map(|f| &f.text).collect::<Vec<_>>()
    );
}

#[test]
fn validation_refuses_server_and_client_changes() {
    common::check("agent_validation", 3, |sim| {
        Box::pin(async move {
            let agents = sim.register::<Planner>("PLANNER")?;
            let a = AgentClient::connect(&agents, "p", "a").await?;
            agents.get_by_name("p").add(5).await?;
            let refused = agents.get_by_name("p").add(500).await;
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.message().contains("at most 100")),
                "{refused:?}"
            );
            a.propose_state(&1000u64)?;
            let mut saw_error = false;
            while let Some(e) = a.recv_within(Duration::from_secs(2)).await {
                if let AgentEvent::StateError(why) = e {
                    assert!(why.contains("State update rejected"), "{why}");
                    saw_error = true;
                    break;
                }
            }
            assert!(saw_error, "a refused proposal is answered");
            a.propose_state(&9u64)?;
            a.converge(&9u64, Duration::from_secs(5)).await?;
            assert_eq!(agents.get_by_name("p").count().await?, 9);
            Ok(())
        })
    });
}

#[test]
fn bad_frames_get_error_frames_not_a_panic() {
    common::check("agent_bad_input", 3, |sim| {
        Box::pin(async move {
            let agents = sim.register::<Planner>("PLANNER")?;
            let a = AgentClient::connect(&agents, "p", "a").await?;
            let unknown = a.call::<Value>("starts", vec![]).await;
            assert!(
                unknown
                    .as_ref()
                    .is_err_and(|e| e.message().contains("Method starts is not callable")),
                "{unknown:?}"
            );
            let bad_args = a.call::<u64>("add", vec![json!("three")]).await;
            assert!(bad_args.is_err(), "{bad_args:?}");
            a.send(r#"{"type":"rpc","id":"x"}"#)?;
            let mut saw_error = false;
            while let Some(e) = a.recv_within(Duration::from_secs(2)).await {
                if let AgentEvent::Error(why) = e {
                    assert!(why.contains("malformed `rpc` frame"), "{why}");
                    saw_error = true;
                    break;
                }
            }
            assert!(saw_error, "a malformed frame is answered");
            let after: u64 = a.call("add", vec![json!(1)]).await?;
            assert_eq!(after, 1, "the connection still works");
            Ok(())
        })
    });
}

/// A Worker in front of the agents: `/agents/<class>/<name>/…` goes to
/// the agent, anything else is its own 404.
#[derive(Default)]
struct AgentsFront;

impl dosim::platform::worker::Worker for AgentsFront {
    async fn fetch(
        &self,
        req: dosim::Request,
        env: Env,
        _ctx: dosim::platform::worker::Context,
    ) -> Result<dosim::Response> {
        use dosim_workloads::agent_chat::AgentChat;
        match dosim::agents::route_agent_request::<AgentChat>(&env, "AgentChat", req).await {
            Some(answer) => answer,
            None => Ok(dosim::Response::error(404, "not an agent")),
        }
    }
}

#[test]
fn a_worker_routes_agent_paths_to_the_named_agent() {
    Runner::new("agents_routing")
        .seeds(3)
        .faults(Faults::None)
        .quiet()
        .run(|sim| async move {
            use dosim_workloads::agent_chat::AgentChat;
            let rooms = sim.register::<AgentChat>("AgentChat")?;
            let app = sim.worker::<AgentsFront>("app")?;
            // A message through a connection lands in `lobby`'s history…
            let member = AgentClient::connect_with_query(&rooms, "lobby", "m0", "name=ann").await?;
            member.send("hello")?;
            loop {
                match member.recv().await {
                    Some(AgentEvent::Message(Message::Text(t))) if t == "ack:hello" => break,
                    Some(AgentEvent::Closed { code, .. }) => dosim::bail!("closed with {code}"),
                    None => dosim::bail!("the room never acknowledged"),
                    Some(_) => {}
                }
            }
            // …which the Worker's route reaches by the agent's name.
            let resp = app
                .fetch(dosim::Request::get(
                    "https://app.example/agents/agent-chat/lobby/history",
                ))
                .await?;
            assert_eq!(resp.status(), 200, "{:?}", resp.text());
            let rows: Vec<(String, String)> =
                serde_json::from_str(resp.text()?).map_err(|e| e.to_string())?;
            assert_eq!(rows, vec![("ann".to_string(), "hello".to_string())]);
            // Another agent name is another agent, with its own history.
            let other = app
                .fetch(dosim::Request::get(
                    "https://app.example/agents/agent-chat/attic/history",
                ))
                .await?;
            assert_eq!(other.text()?, "[]");
            // A path of no agent class of this Worker falls through.
            let none = app
                .fetch(dosim::Request::get(
                    "https://app.example/agents/dashboard/x",
                ))
                .await?;
            assert_eq!((none.status(), none.text()?), (404, "not an agent"));
            Ok(())
        })
        .assert_passed();
}
