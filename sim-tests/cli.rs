//! The command line: subcommands, `--jobs` that does not change the output,
//! `--shard` that splits a sweep exactly, and clear errors on bad input.

/// The racy twin, with the counter it breaks beside it.
mod counter_racy {
    pub use dosim_workloads::counter;
    pub use dosim_workloads::counter_racy::*;
}

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use dosim::{Cli, Command, Faults, Report, Runner, Seed, Shard};

fn cli(args: &[&str], runner: Runner) -> ExitCode {
    let args = std::iter::once("counter_racy").chain(args.iter().copied());
    dosim::cli_main_from(args, runner, counter_racy::workload)
}

/// What a sweep prints, less the first line (its wall time).
fn printed(report: &Report) -> (String, Vec<String>) {
    let summary = report.summary();
    let rest = summary.split_once('\n').unwrap().1.to_string();
    let texts = report.failures.iter().map(|f| f.text.clone()).collect();
    (rest, texts)
}

#[test]
fn jobs_do_not_change_what_a_sweep_reports() {
    let sweep = |jobs| {
        Runner::new("counter_racy_jobs")
            .faults(Faults::Swarm)
            .seeds(24)
            .quiet()
            .jobs(Some(jobs))
            .run(counter_racy::workload)
    };
    let one = sweep(1);
    assert!(
        !one.failures.is_empty() && one.failures.len() < 24,
        "{}",
        one.summary()
    );
    assert!(!one.faults_injected.is_empty());
    for jobs in [2, 5] {
        let many = sweep(jobs);
        assert_eq!(printed(&many), printed(&one), "--jobs {jobs}");
        assert_eq!(many.runs, one.runs);
    }
}

/// Runs `args` with a body that only notes which seeds ran.
fn seeds_run(args: &[&str]) -> (ExitCode, Vec<Seed>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let args = std::iter::once("seeds").chain(args.iter().copied());
    let runner = Runner::new("seeds_run").determinism_sample(0);
    let code = dosim::cli_main_from(args, runner, move |sim| {
        let log = log.clone();
        async move {
            log.lock().unwrap().push(sim.seed());
            Ok(())
        }
    });
    let seeds = seen.lock().unwrap().clone();
    (code, seeds)
}

#[test]
fn two_shards_together_run_exactly_the_seeds_of_the_whole_sweep() {
    let (code, whole) = seeds_run(&["run", "--seeds", "25", "--faults", "none"]);
    assert_eq!(code, ExitCode::SUCCESS);
    let (c1, first) = seeds_run(&[
        "run", "--seeds", "25", "--faults", "none", "--shard", "1/2", "--jobs", "3",
    ]);
    let (c2, second) = seeds_run(&["run", "--seeds", "25", "--faults", "none", "--shard", "2/2"]);
    assert_eq!((c1, c2), (ExitCode::SUCCESS, ExitCode::SUCCESS));
    assert_eq!(whole.len(), 25);
    assert_eq!((first.len(), second.len()), (13, 12));
    let a: BTreeSet<Seed> = first.iter().copied().collect();
    let b: BTreeSet<Seed> = second.iter().copied().collect();
    assert!(a.is_disjoint(&b), "no seed runs in both shards");
    let union: BTreeSet<Seed> = a.union(&b).copied().collect();
    assert_eq!(union, whole.iter().copied().collect::<BTreeSet<Seed>>());
    // The same through the library: the planned seeds of the shards.
    let planned = |shard: &str| {
        Runner::new("x")
            .seeds(25)
            .shard(shard.parse::<Shard>().unwrap())
            .planned_seeds()
            .unwrap()
    };
    assert_eq!(
        planned("1/2"),
        (0..25).step_by(2).map(Seed::nth).collect::<Vec<_>>()
    );
    assert_eq!(
        planned("2/2").len() + planned("1/2").len(),
        planned("1/1").len()
    );
}

#[test]
fn the_old_top_level_options_still_work() {
    let parsed = Cli::try_parse_from(["counter", "--seeds", "5", "--faults", "none"]).unwrap();
    assert!(parsed.command.is_none());
    assert_eq!(parsed.run.seeds, Some(5));
    assert_eq!(parsed.run.faults.faults.as_deref(), Some("none"));
    let (code, seeds) = seeds_run(&["--seeds", "3", "--faults", "none"]);
    assert_eq!((code, seeds.len()), (ExitCode::SUCCESS, 3));
    let (code, seeds) = seeds_run(&["--seed", "0x5eed"]);
    assert_eq!((code, seeds), (ExitCode::SUCCESS, vec![Seed(0x5eed)]));
    let parsed = Cli::try_parse_from(["counter", "replay", "0x5eed", "--faults", "none"]).unwrap();
    assert!(matches!(
        parsed.command,
        Some(Command::Replay {
            seed: Seed(0x5eed),
            ..
        })
    ));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let runner = || Runner::new("counter_racy");
    for args in [
        &["frobnicate"][..],
        &["run", "--shard", "3/2"],
        &["run", "--shard", "0/2"],
        &["run", "--shard", "1/0"],
        &["run", "--shard", "x/2"],
        &["run", "--jobs", "0"],
        &["run", "--seeds", "0"],
        &["run", "--faults", "/no/such/plan.json"],
        &["replay", "banana"],
        &["view", "0x1"],
    ] {
        assert_eq!(cli(args, runner()), ExitCode::from(2), "{args:?}");
    }
    let err = Cli::try_parse_from(["c", "run", "--shard", "3/2"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invalid shard `3/2`: the shard number counts from 1 to 2"),
        "{err}"
    );
    let err = Cli::try_parse_from(["c", "frobnicate"])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unrecognized subcommand 'frobnicate'"),
        "{err}"
    );
}

#[test]
fn replay_exits_with_the_seed_result_and_view_draws_the_violation() {
    let report = Runner::new("counter_racy")
        .faults(Faults::Swarm)
        .seeds(10)
        .quiet()
        .run(counter_racy::workload);
    let failing = report.failures[0].seed.to_string();
    assert_eq!(
        cli(&["replay", &failing], Runner::new("counter_racy")),
        ExitCode::from(1)
    );
    let passing = |sim| counter_racy::counter::workload::<counter_racy::counter::Counter>(sim);
    let args = ["counter", "replay", &failing];
    assert_eq!(
        dosim::cli_main_from(args, Runner::new("counter"), passing),
        ExitCode::SUCCESS
    );

    let html = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_view/view.html");
    let code = cli(
        &["view", &failing, "--html", html.to_str().unwrap()],
        Runner::new("counter_racy"),
    );
    assert_eq!(code, ExitCode::SUCCESS);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("FAILED: property failed"),
        "the violation is at the top"
    );
    assert!(page.contains("but the counter reads"));
    assert!(page.contains("id=\"violation\""));
}

#[test]
fn shrink_cuts_a_failing_seeds_faults_to_the_few_that_still_fail_it() {
    // The racy counter loses updates with no fault at all: shrinking a
    // swarm seed leaves an empty plan, and that plan still fails.
    let runner = Runner::new("counter_racy_shrink").quiet();
    let seed = Seed::nth(0).to_string();
    assert_eq!(cli(&["shrink", &seed], runner.clone()), ExitCode::from(1));
    let plan = format!("target/dosim/counter_racy_shrink-{seed}.plan.json");
    let written: dosim::sim::FaultPlan =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert!(
        written.schedule().is_empty() && written.rates().is_empty(),
        "{written:?}"
    );
    assert_eq!(
        cli(&["replay", &seed, "--faults", &plan], runner.clone()),
        ExitCode::from(1),
        "the shrunk plan still fails the seed"
    );
}

#[test]
fn shrinking_a_passing_seed_is_a_clear_error() {
    let runner = Runner::new("counter_shrink_passing").quiet();
    let args = std::iter::once("counter").chain(["shrink", "1", "--faults", "none"]);
    let code = dosim::cli_main_from(
        args,
        runner,
        counter_racy::counter::workload::<counter_racy::counter::Counter>,
    );
    assert_eq!(code, ExitCode::from(2));
}
