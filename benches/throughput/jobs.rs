//! `sweep_jobs2_speedup`: how a sweep scales with cores. The counter
//! example's own sweep (its workload under swarm faults, the determinism
//! self-check on the first seed, as `run` does) over the same seeds with
//! `jobs(1)` and with `jobs(2)`; the figure is the first wall time over the
//! second, 2.0 being perfect scaling on two cores. Beside it, dosim's
//! 100-request scenario (the seeds figure's) and the bare baseline's, over
//! the same seeds and scaled the same way, each seed on a fresh thread too:
//! those two compare the runtime with the baseline on equal work, the
//! first adds the example's own workload (swarm faults, shorter seeds).
//!
//! The figure is measured in a child process (this bench again, with
//! `THROUGHPUT_PROFILE=jobs`), as a user's sweep runs in a process of its
//! own: measured inside the bench after the other figures, the heap they
//! left behind made the same sweeps scale 1.1× where a fresh process
//! scales 1.5×.

use std::time::Instant;

use dosim::{Runner, Seed};
use dosim_workloads::counter::{self, Counter};

use super::figures::{back_to_back, child_stderr, figure, per_s, ratios, REPEATS};
use super::{baseline, dosim_sweep_on, runner, seeds, sweep_size, SHORT_CLIENTS, SHORT_PER_CLIENT};

/// A sweep of some seeds on some number of threads, returning its wall
/// seconds.
type Sweep = dyn Fn(&[Seed], usize) -> f64;

/// Wall seconds of one sweep of `seeds` on `jobs` threads.
fn sweep(seeds: &[Seed], jobs: usize) -> f64 {
    let runner = Runner::new("bench_jobs").quiet().jobs(Some(jobs));
    let started = Instant::now();
    let report = runner.run_seeds(seeds, counter::workload::<Counter>);
    let wall = started.elapsed();
    report.assert_passed();
    wall.as_secs_f64()
}

/// Wall seconds of dosim's 100-request scenario (the seeds figure's) over
/// `seeds` on `jobs` threads: the runtime's own scaling, on the work the
/// baseline's figure does.
fn scenario(seeds: &[Seed], jobs: usize) -> f64 {
    let runner = runner("bench_jobs_100req", SHORT_CLIENTS, true).jobs(Some(jobs));
    let (_, wall) = dosim_sweep_on(runner, SHORT_CLIENTS, SHORT_PER_CLIENT, seeds);
    wall.as_secs_f64()
}

/// The figure's name, also the line the child prints it on.
const NAME: &str = "sweep_jobs2_speedup";

/// dosim's 100-request scenario scaled the same way.
const SCENARIO_NAME: &str = "sweep_jobs2_speedup_100req";

/// The bare baseline's figure: its own sweep of the 100-request scenario,
/// each seed on a fresh thread as dosim's are, with one worker over two.
/// What this machine allows a thread-per-seed sweep.
const BASELINE_NAME: &str = "sweep_jobs2_baseline_speedup";

/// `(name, value)` of the figures, from a child process; measured here if
/// no child could run.
pub fn figures() -> Vec<(&'static str, f64)> {
    in_child().unwrap_or_else(measure)
}

/// The figures as a child process measures them; their spread lines are
/// passed on to this process's stderr.
fn in_child() -> Option<Vec<(&'static str, f64)>> {
    let stderr = child_stderr("jobs")?;
    for spread in stderr.lines().filter(|l| l.starts_with("spread ")) {
        eprintln!("{spread}");
    }
    let value = |name: &str| -> Option<f64> {
        let line = stderr
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))?;
        line[name.len() + 1..].trim().parse().ok()
    };
    Some(vec![
        (NAME, value(NAME)?),
        (SCENARIO_NAME, value(SCENARIO_NAME)?),
        (BASELINE_NAME, value(BASELINE_NAME)?),
    ])
}

/// `(name, value)` of the figures, measured in this process.
pub fn measure() -> Vec<(&'static str, f64)> {
    let calibration = seeds(2_000_000, 20);
    let started = Instant::now();
    sweep(&calibration, 1);
    let n = sweep_size(per_s(calibration.len() as u64, started.elapsed()));
    let bare = |seeds: &[Seed], jobs| {
        let (_, wall) = baseline::sweep_jobs(SHORT_CLIENTS, SHORT_PER_CLIENT, seeds, jobs);
        wall.as_secs_f64()
    };
    let sweeps: [(&'static str, &Sweep); 3] = [
        (NAME, &sweep),
        (SCENARIO_NAME, &scenario),
        (BASELINE_NAME, &bare),
    ];
    // Per figure: wall times on one worker, and on two.
    let mut walls = [(); 3].map(|_| (Vec::new(), Vec::new()));
    for rep in 0..REPEATS {
        let sweep_seeds = seeds(3_000_000 + rep as u64 * n, n);
        for ((_, run), (one, two)) in sweeps.iter().zip(walls.iter_mut()) {
            let (a, b) = back_to_back(rep, || run(&sweep_seeds, 1), || run(&sweep_seeds, 2));
            one.push(a);
            two.push(b);
        }
    }
    sweeps
        .iter()
        .zip(&walls)
        .map(|((name, _), (one, two))| (*name, figure(name, &ratios(one, two))))
        .collect()
}
