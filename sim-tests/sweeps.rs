//! Sweeps beyond one machine: shards that write JSON reports merge into the
//! report of the whole sweep, a bad file is named and loses nothing else,
//! and a time budget stops a sweep with its count of seeds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dosim::{merge_reports, Runner};
use dosim_workloads::counter;
use dosim_workloads::counter_racy;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("sweeps")
}

/// Runs the racy counter's command line with `args`.
fn cli(args: &[&str]) -> ExitCode {
    let args = std::iter::once("counter_racy").chain(args.iter().copied());
    dosim::cli_main_from(
        args,
        Runner::new("counter_racy").quiet(),
        counter_racy::workload,
    )
}

/// Runs the correct counter's command line with `args`.
fn cli_passing(args: &[&str]) -> ExitCode {
    let args = std::iter::once("counter").chain(args.iter().copied());
    let runner = Runner::new("counter").quiet();
    dosim::cli_main_from(args, runner, counter::workload::<counter::Counter>)
}

fn path(name: &str) -> String {
    dir().join(name).display().to_string()
}

/// Runs the `sweep` split `n` ways through `cli`, each shard writing its
/// report to `<name>-<i>.json`; returns the files' paths.
fn run_shards(
    name: &str,
    sweep: &[&str],
    n: u64,
    cli: impl Fn(&[&str]) -> ExitCode,
) -> Vec<String> {
    (1..=n)
        .map(|i| {
            let file = path(&format!("{name}-{i}.json"));
            let shard = format!("{i}/{n}");
            let args: Vec<&str> = sweep
                .iter()
                .copied()
                .chain(["--shard", &shard, "--report", "json", &file])
                .collect();
            cli(&args);
            file
        })
        .collect()
}

#[test]
fn four_shard_reports_merged_are_the_whole_sweeps_report() {
    let sweep = ["run", "--seeds", "24", "--jobs", "2", "--faults", "swarm"];
    let whole = path("whole.json");
    let args: Vec<&str> = sweep
        .iter()
        .copied()
        .chain(["--report", "json", &whole])
        .collect();
    assert_eq!(
        cli(&args),
        ExitCode::from(1),
        "the racy counter fails some seeds"
    );
    let shards = run_shards("shard", &sweep, 4, cli);
    let merged = merge_reports(&shards);
    assert!(merged.problems.is_empty(), "{:?}", merged.problems);
    let one = merge_reports(&[&whole]);
    assert!(one.problems.is_empty(), "{:?}", one.problems);
    let (merged, one) = (merged.report, one.report);
    assert_eq!(merged.runs, 24);
    assert_eq!(merged.runs, one.runs);
    assert!(!one.failures.is_empty());
    let failures = |r: &dosim::Report| -> Vec<(String, String, String)> {
        r.failures
            .iter()
            .map(|f| (f.seed.to_string(), f.reason.to_string(), f.replay.clone()))
            .collect()
    };
    assert_eq!(failures(&merged), failures(&one));
    assert_eq!(merged.faults_injected, one.faults_injected);
    assert_eq!(merged.natural, one.natural);
    assert_eq!(merged.calm, one.calm);
    assert_eq!(merged.fault_window, one.fault_window);
    let files: Vec<&str> = shards.iter().map(String::as_str).collect();
    let args: Vec<&str> = ["merge"].into_iter().chain(files).collect();
    assert_eq!(
        cli(&args),
        ExitCode::from(1),
        "a failed seed fails the merge"
    );
}

#[test]
fn a_bad_report_file_is_named_and_the_others_still_count() {
    let sweep = ["run", "--seeds", "8", "--jobs", "1", "--faults", "none"];
    let shards = run_shards("passing", &sweep, 2, |args| {
        assert_eq!(cli_passing(args), ExitCode::SUCCESS);
        ExitCode::SUCCESS
    });
    let corrupt = path("corrupt.json");
    std::fs::write(&corrupt, "{\"format\": \"dosim-report/1\", \"runs\": ").unwrap();
    let other = path("other-format.json");
    std::fs::write(&other, "{\"format\": \"junit\"}").unwrap();
    let files = [&shards[0], &corrupt, &shards[0], &other, &shards[1]];
    let merged = merge_reports(&files);
    let problems = merged.problems.join("\n");
    assert!(problems.contains("corrupt.json: not JSON"), "{problems}");
    assert!(
        problems.contains("other-format.json: format `junit`"),
        "{problems}"
    );
    assert!(problems.contains("shard 1/2 again"), "{problems}");
    assert_eq!(merged.report.runs, 8, "both good shards still count, once");
    let only_first = merge_reports(&shards[..1]);
    assert!(
        only_first
            .problems
            .iter()
            .any(|p| p.contains("shards missing: 2/2")),
        "{:?}",
        only_first.problems
    );
    assert_eq!(
        cli_passing(&["merge", &shards[0]]),
        ExitCode::from(2),
        "a missing shard is not a pass"
    );
    assert_eq!(
        cli_passing(&["merge", &shards[0], &shards[1]]),
        ExitCode::SUCCESS
    );
    assert_eq!(cli_passing(&["merge", &corrupt]), ExitCode::from(2));
    assert_eq!(
        cli(&["run", "--seeds", "2", "--report", "xml", &path("x.xml")]),
        ExitCode::from(2)
    );
}

#[test]
fn a_time_budget_stops_the_sweep_and_counts_its_seeds() {
    let file = path("budget.json");
    let args = [
        "run",
        "--faults",
        "none",
        "--jobs",
        "2",
        "--time-budget",
        "300ms",
        "--report",
        "json",
        &file,
    ];
    assert_eq!(cli(&args), ExitCode::from(1), "the racy counter fails");
    let report = merge_reports(&[&file]).report;
    assert!(report.runs >= 1);
    assert_eq!(
        report.budget_spent,
        Some(std::time::Duration::from_millis(300))
    );
    assert!(report
        .summary()
        .contains("the time budget (300ms) is spent"));
    let small = path("budget-small.json");
    let args = [
        "run",
        "--faults",
        "none",
        "--seeds",
        "2",
        "--time-budget",
        "1h",
        "--report",
        "json",
        &small,
    ];
    cli(&args);
    let report = merge_reports(&[&small]).report;
    assert_eq!(
        (report.runs, report.budget_spent),
        (2, None),
        "all seeds ran within the budget"
    );
    assert_eq!(
        cli(&["run", "--time-budget", "10 parsecs"]),
        ExitCode::from(2)
    );
}

#[test]
fn swarm_runs_one_seed_in_eight_calm_with_no_fault_at_all() {
    let runner = Runner::new("calm").faults(dosim::Faults::Swarm).quiet();
    let report = runner
        .clone()
        .seeds(80)
        .run(counter::workload::<counter::Counter>);
    assert!(
        (4..=20).contains(&report.calm),
        "{} calm seeds of 80",
        report.calm
    );
    assert!(report
        .summary()
        .contains(&format!("except {} calm seeds", report.calm)));
    let calm = (0..80)
        .map(dosim::Seed::nth)
        .find(|s| dosim::FaultPlan::swarm(*s).is_calm())
        .unwrap();
    let record = runner.record(calm, counter::workload::<counter::Counter>);
    assert!(record.plan.is_calm() && record.plan.is_empty());
    assert!(record.faults_injected.is_empty() && record.faults_applied.is_empty());
}
