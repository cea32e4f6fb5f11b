//! dosim called from each kind of target a user may write: an example, a
//! `[[bin]]`, a `[[test]]` with `harness = false` (these through the
//! command line), and an ordinary `#[test]` (through `dosim::check` or a
//! `Runner`). The replay command a failure prints works when pasted, a
//! harness-free target takes the test harness's options, and what a sweep
//! prints stays short.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use dosim::{Faults, Mutation, Replay, Runner, Seed};

const SEED: Seed = Seed(0x5eed);

fn replay_of(exe: &str, thread: Option<&str>, package: &str) -> String {
    Replay::of_process(Path::new(exe), thread, package).command(SEED)
}

#[test]
fn an_example_replays_through_cargo_run_example() {
    assert_eq!(
        replay_of("/w/target/release/examples/counter", Some("main"), "app"),
        "cargo run --release --example counter -- replay 0x5eed"
    );
}

#[test]
fn a_bin_replays_through_cargo_run_bin() {
    assert_eq!(
        replay_of("/w/target/debug/sweeper", Some("main"), "app"),
        "cargo run --bin sweeper -- replay 0x5eed"
    );
}

#[test]
fn a_harness_free_test_target_replays_through_its_own_command_line() {
    let exe = "/w/target/debug/deps/sweep_all-0123456789abcdef";
    let expected = "cargo test --test sweep_all -- replay 0x5eed";
    assert_eq!(replay_of(exe, Some("main"), "app"), expected);
    assert_eq!(replay_of(exe, None, "app"), expected);
}

#[test]
fn an_ordinary_test_replays_through_dosim_seed_and_its_exact_name() {
    assert_eq!(
        replay_of(
            "/w/target/debug/deps/objects-0123456789abcdef",
            Some("counter_counts"),
            "app"
        ),
        "DOSIM_SEED=0x5eed cargo test --test objects counter_counts -- --exact"
    );
    // A unit test of the package's library (the crate name has `_` for `-`).
    assert_eq!(
        replay_of(
            "/w/target/debug/deps/my_app-0123456789abcdef",
            Some("tests::counts"),
            "my-app"
        ),
        "DOSIM_SEED=0x5eed cargo test --lib tests::counts -- --exact"
    );
}

#[test]
fn options_and_a_planted_bug_go_into_the_command() {
    let bin = Replay::of_process(Path::new("/w/target/debug/sweeper"), None, "app")
        .with_args("--faults none");
    assert_eq!(
        bin.command_with(SEED, Some(Mutation::EarlyOutput)),
        "DOSIM_MUTATION=early_output cargo run --features mutations --bin sweeper -- replay 0x5eed --faults none"
    );
    let test = Replay::of_process(
        Path::new("/w/target/debug/deps/t-0123456789abcdef"),
        None,
        "app",
    )
    .with_args("--faults plan.json");
    assert_eq!(
        test.command(SEED),
        "cargo test --test t -- replay 0x5eed --faults plan.json"
    );
}

#[test]
fn this_test_prints_a_command_naming_itself() {
    let report = Runner::new("replay_self")
        .faults(Faults::None)
        .seeds(1)
        .quiet()
        .run(|_sim| async { dosim::bail!("failing on purpose") });
    assert_eq!(
        report.failures[0].replay,
        format!(
            "DOSIM_SEED={} cargo test --test user_targets this_test_prints_a_command_naming_itself -- --exact",
            report.failures[0].seed
        )
    );
}

/// The cargo options this test binary was built with, so that the cargo
/// commands below reuse its build instead of building dosim again.
fn build_options() -> Vec<&'static str> {
    let mut options = Vec::new();
    if cfg!(feature = "mutations") {
        options.extend(["--features", "mutations"]);
    }
    if !cfg!(debug_assertions) {
        options.push("--release");
    }
    options
}

/// Runs the `harness_free` target (built once) with `args` and `env`, and
/// no `DOSIM_*` variable from outside.
fn harness_free(args: &[&str], env: &[(&str, &str)]) -> Output {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    Command::new(EXE.get_or_init(build_harness_free))
        .args(args)
        .env_remove("DOSIM_SEED")
        .env_remove("DOSIM_SEEDS")
        .envs(env.iter().copied())
        .output()
        .expect("the harness_free target runs")
}

/// What the `harness_free` target prints when run with `args`, which must
/// succeed.
fn passing(args: &[&str]) -> String {
    let out = harness_free(args, &[]);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds the `harness_free` target; returns its executable.
fn build_harness_free() -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .args([
            "test",
            "--no-run",
            "--test",
            "harness_free",
            "--message-format=json",
        ])
        .args(build_options())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["target"]["name"] == "harness_free")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the harness_free executable")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_harness_free_target_prints_a_replay_command_that_runs_the_seed() {
    let out = harness_free(&[], &[("HARNESS_FREE_FAIL", "1")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let command = stdout
        .lines()
        .find_map(|l| l.split_once("replay: ").map(|(_, c)| c.to_string()))
        .unwrap_or_else(|| panic!("no replay command in\n{}", text(&out)));
    let seed = Seed::nth(0);
    let release = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    assert_eq!(
        command,
        format!("cargo test{release} --test harness_free -- replay {seed}")
    );
    // Paste it (with this build's features, so that nothing is rebuilt).
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let (cargo_args, binary_args) = args.split_at(args.iter().position(|a| *a == "--").unwrap());
    let out = Command::new(env!("CARGO"))
        .args(cargo_args)
        .args(build_options())
        .args(binary_args)
        .env("HARNESS_FREE_FAIL", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let printed = text(&out);
    assert_eq!(out.status.code(), Some(1), "{printed}");
    assert!(
        printed.contains(&format!("harness_free seed {seed}"))
            && printed.contains("failing on purpose"),
        "{printed}"
    );
}

#[test]
fn a_harness_free_target_takes_the_test_harness_options() {
    for args in [
        &["--nocapture"][..],
        &["-q", "--test-threads", "2", "--format=pretty"],
        &["harness_free", "--exact"],
        &["harness"],
    ] {
        assert!(
            passing(args).contains("dosim: 3 passed, 0 failed"),
            "{args:?}"
        );
    }
    for args in [
        &["some_other_test"][..],
        &["harness", "--exact"],
        &["--skip", "harness"],
    ] {
        assert_eq!(
            passing(args),
            "",
            "{args:?} names other tests: nothing runs"
        );
    }
    assert_eq!(
        passing(&["--list", "--format", "terse"]),
        "harness_free: test\n"
    );
}

#[test]
fn a_failing_sweep_prints_one_full_report_and_one_line_per_other_seed() {
    let out = harness_free(&[], &[("HARNESS_FREE_FAIL", "1")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(stderr.matches("  reason:").count(), 1, "{}", text(&out));
    assert!(
        stderr.contains(&format!("seed {}", Seed::nth(0))),
        "{stderr}"
    );
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("failed: seed"))
        .collect();
    assert_eq!(failed.len(), 3, "{stdout}");
    assert!(
        failed.iter().all(|l| l.contains("— replay: cargo test")),
        "{stdout}"
    );
    assert!(stdout.ends_with("dosim: 0 passed, 3 failed\n"), "{stdout}");
}

#[test]
fn the_command_line_keeps_the_runners_faults_unless_told_otherwise() {
    // The target's runner says `Faults::None`.
    assert!(
        passing(&[]).contains("faults injected: none; no faults planned"),
        "{}",
        passing(&[])
    );
    let swarm = passing(&["--faults", "swarm"]);
    assert!(
        swarm.contains("faults until t=5s (Runner::fault_window)"),
        "{swarm}"
    );
}

#[test]
fn dosim_seeds_0_is_an_error_with_exit_2() {
    let out = harness_free(&[], &[("DOSIM_SEEDS", "0")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("DOSIM_SEEDS=0 would run no seed"),
        "{}",
        text(&out)
    );
}
