//! The subcommands about one seed: `replay`, `save`, `view` and `shrink`.

use std::path::Path;
use std::process::ExitCode;

use super::{configure, FaultsArg};
use crate::check::corpus::CorpusFile;
use crate::check::run::{Body, RunRecord};
use crate::check::runner::Runner;
use crate::check::view;
use crate::sim::clock::format_sim_time;
use crate::sim::seed::Seed;
use crate::trace::text as trace_text;

/// Runs `seed` as `faults` says; `Err` is the exit code of bad input.
fn record(
    seed: Seed,
    faults: &FaultsArg,
    runner: Runner,
    body: &Body,
) -> Result<(Runner, RunRecord), ExitCode> {
    let runner = configure(runner, faults)?;
    let record = runner.record_body(seed, body);
    Ok((runner, record))
}

/// `replay <seed>`: the readable trace, then the result.
pub(super) fn replay(seed: Seed, faults: &FaultsArg, runner: Runner, body: &Body) -> ExitCode {
    let (runner, record) = match record(seed, faults, runner, body) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let world = runner.world_config();
    println!(
        "dosim: {} seed {seed}: {} events",
        runner.test_name(),
        record.trace.len()
    );
    print!(
        "{}",
        trace_text::render(&record.trace, &record.trace, world)
    );
    let failed = record.failure.is_some();
    if failed {
        let failure = runner.report_failure(&record, &runner.replay_setting());
        print!("{}", failure.text);
    } else {
        println!(
            "dosim: {} seed {seed} passed at t={}",
            runner.test_name(),
            format_sim_time(record.end_ns)
        );
    }
    println!(
        "dosim: {} passed, {} failed",
        u8::from(!failed),
        u8::from(failed)
    );
    ExitCode::from(u8::from(failed))
}

/// `save <seed>`: writes the corpus file.
pub(super) fn save(
    seed: Seed,
    faults: &FaultsArg,
    root: &Path,
    runner: Runner,
    body: &Body,
) -> ExitCode {
    let (runner, record) = match record(seed, faults, runner, body) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let file = CorpusFile::of(&runner, &record);
    match file.save(root) {
        Ok(path) => {
            let outcome = file.failure.as_deref().unwrap_or("passed");
            println!(
                "dosim: saved {} seed {seed} ({outcome}) to {}",
                runner.test_name(),
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "dosim: could not write the corpus file under {}: {e}",
                root.display()
            );
            ExitCode::from(2)
        }
    }
}

/// `view <seed> --html <file>`: writes the timeline page.
pub(super) fn view(
    seed: Seed,
    faults: &FaultsArg,
    html: &Path,
    runner: Runner,
    body: &Body,
) -> ExitCode {
    let (runner, record) = match record(seed, faults, runner, body) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let failure = record.failure.as_ref().map(|f| f.to_string());
    let page = view::render_html(&view::ViewRun {
        test: runner.test_name(),
        seed,
        trace: &record.trace,
        world: runner.world_config(),
        failure: failure.as_deref(),
        failure_event: record.failure_event,
    });
    let written = html
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(html, page));
    match written {
        Ok(()) => {
            println!(
                "dosim: {} seed {seed} ({}) drawn in {}",
                runner.test_name(),
                failure.as_deref().unwrap_or("passed"),
                html.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dosim: could not write {}: {e}", html.display());
            ExitCode::from(2)
        }
    }
}

/// `shrink <seed>`: the fewest faults that still fail the seed the same
/// way; writes them as a plan file and prints the command that replays it.
pub(super) fn shrink(seed: Seed, faults: &FaultsArg, runner: Runner, body: &Body) -> ExitCode {
    let runner = match configure(runner, faults) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let shrunk = match crate::check::shrink::shrink(&runner, seed, body) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dosim: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = std::path::PathBuf::from("target/dosim");
    let path = dir.join(format!("{}-{seed}.plan.json", runner.test_name()));
    let json = serde_json::to_string_pretty(&shrunk.plan).unwrap_or_default();
    if let Err(e) = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &json)) {
        eprintln!("dosim: could not write {}: {e}", path.display());
        return ExitCode::from(2);
    }
    println!(
        "dosim: {} seed {seed}: faults {} -> {} ({} runs)",
        runner.test_name(),
        shrunk.faults_before,
        shrunk.faults_after,
        shrunk.runs
    );
    println!("  reason:  {}", shrunk.reason);
    println!("  plan:    {}", path.display());
    println!("{json}");
    let replay = match crate::check::report::Replay::detect() {
        crate::check::report::Replay::Example { name, release, .. } => {
            crate::check::report::Replay::Example {
                name,
                release,
                args: format!("--faults {}", path.display()),
            }
        }
        other => other,
    };
    println!("  replay:  {}", replay.command(seed));
    println!("dosim: 0 passed, 1 failed");
    ExitCode::from(1)
}
