//! The counter scenarios' figures: the long seed (dosim with and without
//! monitors, through a Worker, and the bare baseline) and the 100-request
//! seed sweeps, each repetition running its variants back to back.

use std::time::Duration;

use dosim::Seed;

use super::figures::{back_to_back, medians, per_s, ratios, REPEATS};
use super::{
    baseline, dosim_sweep, dosim_sweep_with, seeds, sweep_size, worker, CALIBRATION_SEEDS,
    LONG_CLIENTS, LONG_PER_CLIENT, LONG_SEED_INDEX, SHORT_CLIENTS, SHORT_PER_CLIENT,
    SWEEP_SEEDS_MAX,
};

/// The rates of one repetition of the long scenario.
struct LongRates {
    dosim: f64,
    no_monitors: f64,
    worker: f64,
    baseline: f64,
}

/// One repetition of the long scenario, every variant back to back; odd
/// repetitions run them in the reverse order, so no variant always meets
/// the machine first.
fn long_repetition(rep: usize) -> LongRates {
    let long_seed = [Seed::nth(LONG_SEED_INDEX)];
    let (clients, per_client) = (LONG_CLIENTS, LONG_PER_CLIENT);
    let mut steps: Vec<Box<dyn FnOnce() -> (u64, Duration)>> = vec![
        Box::new(move || dosim_sweep("bench_long", clients, per_client, &long_seed)),
        Box::new(move || {
            dosim_sweep_with("bench_long_bare", clients, per_client, &long_seed, false)
        }),
        Box::new(move || worker::sweep(clients, per_client, long_seed[0])),
        Box::new(move || baseline::sweep(clients, per_client, &long_seed)),
    ];
    if rep % 2 == 1 {
        steps.reverse();
    }
    let mut rates: Vec<(u64, Duration)> = steps.into_iter().map(|step| step()).collect();
    if rep % 2 == 1 {
        rates.reverse();
    }
    let rate = |i: usize| per_s(rates[i].0, rates[i].1);
    eprintln!(
        "long #{rep}: {} requests; dosim {:.3} s ({:.0}/s), baseline {:.3} s ({:.0}/s)",
        rates[0].0,
        rates[0].1.as_secs_f64(),
        rate(0),
        rates[3].1.as_secs_f64(),
        rate(3)
    );
    LongRates {
        dosim: rate(0),
        no_monitors: rate(1),
        worker: rate(2),
        baseline: rate(3),
    }
}

/// The long scenario's figures.
pub fn long_figures() -> Vec<(&'static str, f64)> {
    // One unmeasured round first: the first run after a pause is the slowest.
    long_repetition(1);
    let reps: Vec<LongRates> = (0..REPEATS).map(long_repetition).collect();
    let of = |f: fn(&LongRates) -> f64| reps.iter().map(f).collect::<Vec<f64>>();
    let (dosim, no_monitors) = (of(|r| r.dosim), of(|r| r.no_monitors));
    let (worker, baseline) = (of(|r| r.worker), of(|r| r.baseline));
    let worker_cost = ratios(&dosim, &worker);
    let overhead = ratios(&baseline, &dosim);
    let monitor_cost = ratios(&no_monitors, &dosim);
    medians(vec![
        ("counter_requests_per_s", dosim),
        ("worker_requests_per_s", worker),
        ("worker_cost_ratio", worker_cost),
        ("counter_baseline_requests_per_s", baseline),
        ("counter_overhead_ratio", overhead),
        ("counter_requests_per_s_no_monitors", no_monitors),
        ("monitor_cost_ratio", monitor_cost),
    ])
}

/// The 100-request scenario's figures: seeds per second, sweeps sized by
/// calibration.
pub fn seed_figures() -> Vec<(&'static str, f64)> {
    let calibration = seeds(1_000_000, CALIBRATION_SEEDS);
    let (_, wall) = dosim_sweep(
        "bench_calibrate",
        SHORT_CLIENTS,
        SHORT_PER_CLIENT,
        &calibration,
    );
    let dosim_n = sweep_size(per_s(CALIBRATION_SEEDS, wall));
    let (_, wall) = baseline::sweep(SHORT_CLIENTS, SHORT_PER_CLIENT, &calibration);
    let base_n = sweep_size(per_s(CALIBRATION_SEEDS, wall));
    eprintln!("sweeps: dosim {dosim_n} seeds, baseline {base_n} seeds per repetition");
    let (mut dosim_sps, mut base_sps) = (Vec::new(), Vec::new());
    for rep in 0..REPEATS as u64 {
        let dosim_seeds = seeds(rep * SWEEP_SEEDS_MAX, dosim_n);
        let base_seeds = seeds(rep * SWEEP_SEEDS_MAX, base_n);
        let dosim_run = || {
            dosim_sweep(
                "bench_100req",
                SHORT_CLIENTS,
                SHORT_PER_CLIENT,
                &dosim_seeds,
            )
        };
        let base_run = || baseline::sweep(SHORT_CLIENTS, SHORT_PER_CLIENT, &base_seeds);
        let ((_, wall), (_, base_wall)) = back_to_back(rep as usize, dosim_run, base_run);
        dosim_sps.push(per_s(dosim_n, wall));
        base_sps.push(per_s(base_n, base_wall));
        eprintln!(
            "100req #{rep}: dosim {dosim_n} seeds in {:.3} s ({:.0}/s), baseline {base_n} seeds in {:.3} s ({:.0}/s)",
            wall.as_secs_f64(),
            per_s(dosim_n, wall),
            base_wall.as_secs_f64(),
            per_s(base_n, base_wall)
        );
    }
    let overhead = ratios(&base_sps, &dosim_sps);
    medians(vec![
        ("seeds_per_s_100req", dosim_sps),
        ("seeds_baseline_per_s_100req", base_sps),
        ("seeds_overhead_ratio_100req", overhead),
    ])
}
