//! The command line every example (and a user's own harness-less `[[bin]]`
//! or `[[test]]` target) shares, through [`main`]:
//!
//! ```text
//! cargo run --release --example <name> -- [run] [--seeds N] [--jobs N] [--shard I/N] [--faults F]
//! cargo run --release --example <name> -- replay <seed> [--faults F]
//! cargo run --release --example <name> -- save <seed> [--faults F] [--dir corpus]
//! cargo run --release --example <name> -- view <seed> --html <file> [--faults F]
//! cargo run --release --example <name> -- run --shard I/N --report json <file> [--time-budget 10m]
//! cargo run --release --example <name> -- merge <files…>
//! ```
//!
//! - `run` (also what happens with no subcommand) sweeps seeds on `--jobs`
//!   threads (every core by default), with a progress bar when stderr is a
//!   terminal. It prints the first failure's report in full, then a
//!   summary (seeds/s, fault kinds hit and until when, one line per failed
//!   seed with its `replay: <command>`) whose last line is exactly
//!   `dosim: <n> passed, <m> failed`. The output does not depend on
//!   `--jobs`: results are reported in seed order. The old top-level
//!   options (`--seeds N`, `--seed S`, `--faults F`) still work.
//! - `replay <seed>` runs one seed and prints its readable trace, one line
//!   per event, then the result.
//! - `save <seed>` writes the run as a corpus file,
//!   `corpus/<test>/<seed>.json` (see [`crate::corpus`]), so that the
//!   test suite replays it as a regression.
//! - `view <seed> --html <file>` writes the run as one self-contained HTML
//!   page: a timeline with one lane per client and object instance.
//! - `run --report json <file>` also writes the sweep's report as JSON, and
//!   `merge <files…>` sums such reports (the shards of one sweep) into one
//!   summary and exit status: 1 if a seed failed, else 2 if a file was bad
//!   or a shard missing. `run --time-budget 10m` sweeps until the budget
//!   is spent and says how many seeds ran. See `docs/sweeps.md`.
//! - `shrink <seed>` replays the seed's faults as a schedule and removes
//!   them until no fewer still fail it the same way; prints the sizes
//!   before and after, writes the small plan, and prints the command that
//!   replays it.
//!
//! `--faults` is `swarm` (a random subset of fault kinds per seed), `none`,
//! or the path of a fault plan (JSON). Without it the runner's own setting
//! ([`Runner::faults`]) holds, and swarm when the runner set none.
//!
//! Exit status: 0 when every seed passed (or the file was written), 1 when
//! one failed, 2 on bad input (an unknown subcommand or option, a bad seed,
//! shard or plan).
//!
//! # Sharding a sweep over a CI matrix
//!
//! `--shard I/N` runs the sweep's seed indices `i` with `i % N == I - 1`;
//! the shards `1/N` … `N/N` together run every seed of the sweep exactly
//! once, and each seed is the same run wherever it runs. So a million seeds
//! split over 8 CI jobs is one matrix:
//!
//! ```yaml
//! strategy:
//!   matrix:
//!     shard: [1, 2, 3, 4, 5, 6, 7, 8]
//! steps:
//!   - run: cargo run --release --example counter -- run --seeds 1000000 --shard ${{ matrix.shard }}/8
//! ```
//!
//! Any job that finds a failure exits 1 and prints the seed's `replay:`
//! command, which runs on any machine. A batch cluster does the same with
//! its task index.

mod libtest;
mod one;
mod sweep;

use std::ffi::OsString;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use super::replay::Replay;
use super::run::{Body, Faults};
use super::runner::Runner;
use super::shard::Shard;
use super::sim::Sim;
use crate::runtime::error::Result;
use crate::sim::seed::Seed;

/// The command line every example takes. See the module documentation.
#[derive(Parser, Debug, Clone)]
#[command(
    about = "Sweep seeds of a dosim simulation, replay, save or view one.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do (`run` when absent).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The options of `run`, also accepted without the subcommand.
    #[command(flatten)]
    pub run: RunArgs,
}

/// The subcommands.
#[derive(Subcommand, Debug, Clone)]
#[non_exhaustive]
pub enum Command {
    /// Sweep seeds (the default).
    Run(RunArgs),
    /// Run one seed and print its readable trace, then the result.
    Replay {
        /// The seed (hex like 0x5eed1234, or decimal).
        #[arg(value_parser = parse_seed)]
        seed: Seed,
        /// The faults.
        #[command(flatten)]
        faults: FaultsArg,
    },
    /// Shrink a failing seed's faults to the fewest that still fail it.
    Shrink {
        /// The seed.
        #[arg(value_parser = parse_seed)]
        seed: Seed,
        /// The faults of the failing run.
        #[command(flatten)]
        faults: FaultsArg,
    },
    /// Run one seed and save it into the corpus.
    Save {
        /// The seed.
        #[arg(value_parser = parse_seed)]
        seed: Seed,
        /// The faults.
        #[command(flatten)]
        faults: FaultsArg,
        /// The corpus directory; the file goes to `<dir>/<test>/<seed>.json`.
        #[arg(long, default_value = "corpus")]
        dir: PathBuf,
    },
    /// Merge the report files of a sweep's shards (`run --shard I/N --report
    /// json <file>`) into one summary and exit status.
    Merge {
        /// The report files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run one seed and write its timeline as a self-contained HTML page.
    View {
        /// The seed.
        #[arg(value_parser = parse_seed)]
        seed: Seed,
        /// Where to write the page.
        #[arg(long)]
        html: PathBuf,
        /// The faults.
        #[command(flatten)]
        faults: FaultsArg,
    },
}

/// The options of `run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// How many seeds to sweep (at least 1).
    #[arg(long, conflicts_with = "seed", value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: Option<u64>,
    /// Run exactly this seed (hex like 0x5eed1234, or decimal).
    #[arg(long, value_parser = parse_seed)]
    pub seed: Option<Seed>,
    /// Worker threads (default: every core). The output is the same
    /// whatever the number.
    #[arg(long, short, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub jobs: Option<u64>,
    /// Run only shard I of N of the sweep (I from 1): seed indices i with
    /// i % N == I - 1.
    #[arg(long, value_parser = parse_shard, conflicts_with = "seed")]
    pub shard: Option<Shard>,
    /// The faults.
    #[command(flatten)]
    pub faults: FaultsArg,
    /// Also write the report as a file: `--report json <file>` (seeds run,
    /// failures with their replay commands, fault counts, timings), for
    /// `merge` to combine with other shards' reports.
    #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"], conflicts_with = "seed")]
    pub report: Option<Vec<String>>,
    /// Sweep until this much wall-clock time is spent (`10m`, `90s`, `2h`),
    /// then report how many seeds ran: at most `--seeds` seeds when given,
    /// else as many as fit. The budget decides only how many seeds run.
    #[arg(long, value_parser = parse_budget, conflicts_with = "seed")]
    pub time_budget: Option<std::time::Duration>,
}

/// The `--faults` option.
#[derive(Args, Debug, Clone)]
pub struct FaultsArg {
    /// Faults to inject: `swarm` (a random subset per seed), `none`, or the
    /// path of a fault plan (JSON). Default: the runner's setting, swarm if
    /// it has none.
    #[arg(long)]
    pub faults: Option<String>,
}

fn parse_seed(s: &str) -> std::result::Result<Seed, String> {
    s.parse::<Seed>().map_err(|e| e.to_string())
}

fn parse_shard(s: &str) -> std::result::Result<Shard, String> {
    s.parse::<Shard>()
}

/// A wall-clock duration: a whole number and a unit, `ms`, `s`, `m` or `h`.
fn parse_budget(s: &str) -> std::result::Result<std::time::Duration, String> {
    let bad =
        || format!("invalid time budget `{s}`: expected a number and a unit, like 90s, 10m or 2h");
    let digits = s.trim().trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &s.trim()[digits.len()..];
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let secs = match unit {
        "ms" => return Ok(std::time::Duration::from_millis(n)),
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(format!(
            "invalid time budget `{s}`: a budget of nothing runs nothing"
        ));
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// Parses the process's command line, does what it says with the sweep
/// `runner` describes and `body`, and returns the exit code.
pub fn main<F, Fut>(runner: Runner, body: F) -> ExitCode
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    main_from(std::env::args_os(), runner, body)
}

/// [`main`] with the command line given (the first item is the program's
/// name): for tests and wrappers. In a `[[test]]` target with
/// `harness = false`, the options `cargo test` passes to every test binary
/// (a filter, `--nocapture`, `--list`, …) are set aside: a filter that
/// names neither the runner nor the target skips the sweep, `--list` lists
/// it as one test, and the other options are dropped.
pub fn main_from<I, T, F, Fut>(args: I, runner: Runner, body: F) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let args = match Replay::detect() {
        Replay::HarnessFree { name, .. } => {
            match libtest::sort(args, &[runner.test_name(), &name]) {
                libtest::Harness::Run(args) => args,
                libtest::Harness::List(listing) => {
                    print!("{listing}");
                    return ExitCode::SUCCESS;
                }
                libtest::Harness::Skip => return ExitCode::SUCCESS,
            }
        }
        _ => args,
    };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Through the print macros, not straight to the file handles:
            // a test harness captures them.
            return if e.use_stderr() {
                eprint!("{}", e.render());
                ExitCode::from(2)
            } else {
                print!("{}", e.render());
                ExitCode::SUCCESS
            };
        }
    };
    let body: Body = Arc::new(move |sim| Box::pin(body(sim)));
    run_cli(cli, runner, &body)
}

/// Does what the parsed command line says.
fn run_cli(cli: Cli, runner: Runner, body: &Body) -> ExitCode {
    match cli.command {
        None => sweep::run(&cli.run, runner, body),
        Some(Command::Run(args)) => sweep::run(&args, runner, body),
        Some(Command::Replay { seed, faults }) => one::replay(seed, &faults, runner, body),
        Some(Command::Save { seed, faults, dir }) => one::save(seed, &faults, &dir, runner, body),
        Some(Command::View { seed, html, faults }) => one::view(seed, &faults, &html, runner, body),
        Some(Command::Shrink { seed, faults }) => one::shrink(seed, &faults, runner, body),
        Some(Command::Merge { files }) => sweep::merge(&files),
    }
}

/// Sets `runner`'s faults from `--faults` (swarm when neither the flag nor
/// the runner chose) and its replay command to one that passes the same
/// `--faults` again; `Err` is the exit code of bad input.
fn configure(runner: Runner, faults: &FaultsArg) -> std::result::Result<Runner, ExitCode> {
    let (runner, args) = match &faults.faults {
        None => (runner.faults_or(Faults::Swarm), String::new()),
        Some(arg) => match Faults::parse(arg) {
            Ok(parsed) => (runner.faults(parsed), format!("--faults {arg}")),
            Err(e) => {
                eprintln!("dosim: {e}");
                return Err(ExitCode::from(2));
            }
        },
    };
    let replay = runner.replay_setting().with_args(&args);
    let runner = runner.replay(replay);
    match runner.setup_check() {
        Ok(()) => Ok(runner),
        Err(e) => {
            eprintln!("dosim: {e}");
            Err(ExitCode::from(2))
        }
    }
}
