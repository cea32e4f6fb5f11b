//! `sweep`: the main job — a seed sweep of every correct example object
//! (counter, subscription, chat, offload, workspace, checkout, agent_chat)
//! under swarm faults, with one summary.
//!
//! Each example is swept over the same number of seeds, on every core.
//! Every failure is printed with the command that replays it (through that
//! example's own binary); then `sweep wall time: <s> s` gives the whole
//! job's wall time (the figure to quote when the job gets faster or
//! slower), and the last line adds up all of them:
//! `dosim: <n> passed, <m> failed`. Exit status 0 when every seed of every
//! example passed, 1 otherwise, 2 on bad input.
//!
//! ```text
//! cargo run --release --example sweep -- --seeds 1000
//! cargo run --release --example sweep -- --seeds 200 --faults none
//! ```

use std::process::ExitCode;

use dosim::{Faults, Replay, Report, Runner};
use dosim_workloads::{agent_chat, chat, checkout, counter, offload, subscription, workspace};

const USAGE: &str = "usage: sweep [--seeds N] [--faults swarm|none|<plan.json>]";

fn parse() -> Result<(u64, String), String> {
    let mut seeds = 1000;
    let mut faults = "swarm".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value; {USAGE}"));
        match arg.as_str() {
            "--seeds" => {
                let v = value("--seeds")?;
                seeds = v
                    .parse()
                    .map_err(|_| format!("--seeds `{v}` is not a number; {USAGE}"))?;
            }
            "--faults" => faults = value("--faults")?,
            other => return Err(format!("unknown argument `{other}`; {USAGE}")),
        }
    }
    Ok((seeds, faults))
}

/// How one example's failures replay: through its own binary.
fn replay(name: &str, faults: &str) -> Replay {
    let args = if faults == "swarm" {
        String::new()
    } else {
        format!("--faults {faults}")
    };
    Replay::Example {
        name: name.to_string(),
        release: true,
        args,
    }
}

fn main() -> ExitCode {
    let (seeds, faults_arg) = match parse() {
        Ok(v) => v,
        Err(e) => {
            eprintln!("dosim: {e}");
            return ExitCode::from(2);
        }
    };
    let faults = match Faults::parse(&faults_arg) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("dosim: {e}");
            return ExitCode::from(2);
        }
    };
    let prepare = |runner: Runner, name: &str| {
        runner
            .seeds(seeds)
            .faults(faults.clone())
            .jobs(None)
            .quiet()
            .replay(replay(name, &faults_arg))
    };
    let started = std::time::Instant::now();
    let reports: Vec<Report> = vec![
        prepare(Runner::new("counter"), "counter").run(counter::workload::<counter::Counter>),
        prepare(subscription::runner("subscription"), "subscription")
            .run(subscription::workload::<subscription::Subscription>),
        prepare(chat::runner("chat"), "chat").run(chat::workload::<chat::Room>),
        // Queues.
        prepare(offload::runner("offload"), "offload").run(offload::workload::<offload::Applier>),
        prepare(workspace::runner("workspace"), "workspace")
            .run(workspace::workload::<workspace::Workspace>),
        prepare(checkout::runner("checkout"), "checkout")
            .run(checkout::workload::<checkout::Order>),
        // The agents layer.
        prepare(agent_chat::runner("agent_chat"), "agent_chat")
            .run(agent_chat::workload::<agent_chat::AgentChat>),
    ];
    let (mut passed, mut failed) = (0, 0);
    for r in &reports {
        if let Some(e) = &r.setup_error {
            eprintln!("dosim: {e}");
            return ExitCode::from(2);
        }
        println!(
            "{}: {} seeds in {:.2}s ({:.0} seeds/s), {} failed; {}",
            r.test,
            r.runs,
            r.wall.as_secs_f64(),
            r.seeds_per_s(),
            r.failures.len(),
            r.faults_line()
        );
        for f in &r.failures {
            println!("  failed: seed {} — {}", f.seed, f.reason);
            println!("  replay: {}", f.replay);
        }
        failed += r.failures.len() as u64;
        passed += r.runs - r.failures.len() as u64;
    }
    println!("sweep wall time: {:.2} s", started.elapsed().as_secs_f64());
    println!("dosim: {passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
