//! Schedules at scale on the agents layer: 1 000 reminders agents
//! (`workloads/src/reminders.rs`), each with three schedules (a one-shot
//! after a day, a one-shot after 15 days, a weekly cron), over a simulated
//! month, no faults. The figure is simulated seconds per wall second of the
//! whole `run_seeds` call; the baseline runs the same schedule arithmetic
//! (earliest due first, one-shots removed, the cron moved a week on) in a
//! plain loop over a binary heap, with no runtime at all.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use dosim::{Faults, Runner, Seed};
use dosim_workloads::reminders::{self, Due, RemindersRpc};

use super::figures::{median, REPEATS};

const AGENTS: u64 = 1_000;
const DAY_MS: u64 = 86_400_000;
const MONTH_MS: u64 = 30 * DAY_MS;

/// `(name, value)` of each figure.
pub fn figures() -> Vec<(&'static str, f64)> {
    let mut rates = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..REPEATS {
        rates.push(schedules());
        baseline.push(schedules_baseline());
    }
    vec![
        ("agent_schedules_sim_seconds_per_wall_s", median(&rates)),
        (
            "agent_schedules_baseline_sim_seconds_per_wall_s",
            median(&baseline),
        ),
    ]
}

fn schedules() -> f64 {
    let runner = Runner::new("bench_agent_schedules")
        .determinism_sample(0)
        .faults(Faults::None)
        .deadline(Duration::from_millis(MONTH_MS + DAY_MS))
        .steps_max(u64::MAX)
        .quiet();
    let started = Instant::now();
    let report = runner.run_seeds(&[Seed::nth(5)], |sim| async move {
        let agents = sim.register::<reminders::Reminders>("REMINDERS")?;
        for i in 0..AGENTS {
            let user = format!("u{i}");
            let stub = agents.get_by_name(&user);
            stub.add(format!("{user}-a"), Due::InMs(DAY_MS)).await?;
            stub.add(format!("{user}-b"), Due::InMs(15 * DAY_MS))
                .await?;
            stub.add(format!("{user}-c"), Due::Cron("0 0 * * 1".into()))
                .await?;
        }
        let now = dosim::elapsed().as_millis() as u64;
        dosim::sleep(Duration::from_millis(MONTH_MS - now)).await;
        let last = agents.get_by_name("u0").report().await?;
        if last.fired.len() < 6 {
            dosim::bail!("u0's reminders fired {} times in a month", last.fired.len());
        }
        Ok(())
    });
    let wall = started.elapsed();
    report.assert_passed();
    (MONTH_MS as f64 / 1000.0) / wall.as_secs_f64()
}

fn schedules_baseline() -> f64 {
    let started = Instant::now();
    // (due ms, agent, kind): 0 and 1 one-shot, 2 weekly.
    let mut heap = BinaryHeap::new();
    for agent in 0..AGENTS {
        heap.push(Reverse((DAY_MS, agent, 0u8)));
        heap.push(Reverse((15 * DAY_MS, agent, 1u8)));
        heap.push(Reverse((4 * DAY_MS, agent, 2u8)));
    }
    let mut fired = 0u64;
    while let Some(Reverse((due, agent, kind))) = heap.pop() {
        if due > MONTH_MS {
            break;
        }
        fired += 1;
        if kind == 2 {
            heap.push(Reverse((due + 7 * DAY_MS, agent, kind)));
        }
    }
    assert!(fired >= AGENTS * 6, "{fired} firings");
    (MONTH_MS as f64 / 1000.0) / started.elapsed().as_secs_f64()
}
