//! The command line every example (and a user's own harness-less binary)
//! shares:
//!
//! ```text
//! cargo run --release --example <name> [-- --seeds N | --seed S]
//! ```
//!
//! It sweeps seeds (or replays one), prints each failure with its replay
//! command, then a summary whose last line is exactly
//! `dosim: <n> passed, <m> failed`, and exits 0 when every seed passed, 1
//! when one failed, 2 on bad input.

use std::future::Future;
use std::process::ExitCode;

use clap::Parser;

use super::report::Replay;
use super::run::Faults;
use super::runner::Runner;
use super::sim::Sim;
use crate::runtime::error::Result;
use crate::sim::seed::Seed;

/// The options every example takes.
#[derive(Parser, Debug, Clone)]
#[command(about = "Sweep seeds of a dosim simulation, or replay one.")]
pub struct Cli {
    /// How many seeds to sweep.
    #[arg(long, conflicts_with = "seed")]
    pub seeds: Option<u64>,
    /// Run exactly this seed (hex like 0x5eed1234, or decimal).
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<Seed>,
    /// Faults to inject: `swarm` (a random subset per seed, the default),
    /// `none`, or the path of a fault plan (JSON).
    #[arg(long, default_value = "swarm")]
    pub faults: String,
}

fn parse_seed(s: &str) -> std::result::Result<Seed, String> {
    s.parse::<Seed>().map_err(|e| e.to_string())
}

/// Parses the command line, runs the sweep `runner` describes with `body`,
/// prints the summary, and returns the exit code.
pub fn main<F, Fut>(runner: Runner, body: F) -> ExitCode
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    run_cli(&cli, runner, body)
}

/// [`main`] with the options already parsed.
pub(crate) fn run_cli<F, Fut>(cli: &Cli, runner: Runner, body: F) -> ExitCode
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let runner = match cli.seeds {
        Some(n) => runner.seeds(n),
        None => runner,
    };
    let faults = match Faults::parse(&cli.faults) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("dosim: {e}");
            return ExitCode::from(2);
        }
    };
    let args = if cli.faults == "swarm" {
        String::new()
    } else {
        format!("--faults {}", cli.faults)
    };
    let replay = match Replay::detect() {
        Replay::Example { name, release, .. } => Replay::Example {
            name,
            release,
            args,
        },
        other => other,
    };
    let runner = runner.faults(faults).replay(replay);
    let report = match cli.seed {
        Some(seed) => runner.run_seeds(&[seed], body),
        None => runner.run(body),
    };
    if let Some(e) = &report.setup_error {
        eprintln!("dosim: {e}");
        println!("{}", report.summary_line());
        return ExitCode::from(2);
    }
    println!(
        "dosim: {}: {} seeds in {:.2}s ({:.0} seeds/s)",
        report.test,
        report.runs,
        report.wall.as_secs_f64(),
        report.seeds_per_s()
    );
    if !report.faults_injected.is_empty() {
        let kinds: Vec<String> = report
            .faults_injected
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!("  faults injected: {}", kinds.join(", "));
    } else {
        println!("  faults injected: none");
    }
    for f in &report.failures {
        println!("  failed: seed {} — {}", f.seed, f.reason);
        println!("  replay: {}", f.replay);
    }
    println!("{}", report.summary_line());
    if report.passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
