//! Coverage-guided fuzzing: a fuzzer's input bytes decide a run.
//!
//! [`case_from_bytes`] reads a seed and a fault schedule out of any byte
//! string, deterministically: the first 8 bytes are the seed, each
//! following group of 4 bytes one fault (its kind, its target, its time
//! and its duration). Every byte string is a valid case, so libFuzzer's
//! mutations always produce runs, and its coverage feedback (of the user's
//! object and of dosim) steers which seeds and faults it tries. [`run`]
//! runs such a case; a failing one becomes a corpus file with
//! [`CorpusFile::of`](crate::corpus::CorpusFile::of), which `cargo test`
//! then replays like any saved failure.
//!
//! The `fuzz/` folder holds a cargo-fuzz target for the counter example
//! (nightly only, outside the test command). For your own object, copy
//! `fuzz/fuzz_targets/counter.rs` and change the workload it names:
//!
//! ```text
//! cargo install cargo-fuzz
//! cargo +nightly fuzz run counter -- -max_total_time=60
//! ```

use std::future::Future;

use super::run::{Faults, RunRecord};
use super::runner::Runner;
use super::sim::Sim;
use crate::runtime::error::Result;
use crate::sim::faults::{Fault, FaultPlan, ScheduledFault};
use crate::sim::seed::Seed;
use crate::sim::world_config::{LocationKind, WorldConfig};

/// The most faults one input decodes to.
pub const FUZZ_FAULTS_MAX: usize = 32;

/// How long the decoded faults may run: they fall in the first
/// `FUZZ_HORIZON_MS` of the run, and the world heals after.
pub const FUZZ_HORIZON_MS: u64 = 5_000;

/// The seed and fault plan `bytes` stand for (see the module
/// documentation); any byte string decodes.
pub fn case_from_bytes(bytes: &[u8], world: &WorldConfig) -> (Seed, FaultPlan) {
    let mut seed = [0u8; 8];
    let head = bytes.len().min(8);
    seed[..head].copy_from_slice(&bytes[..head]);
    let seed = Seed(u64::from_le_bytes(seed));
    let names = |kind: LocationKind| -> Vec<String> {
        world
            .locations()
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.name.clone())
            .collect()
    };
    let hosts = names(LocationKind::Host);
    let clients = names(LocationKind::Client);
    let pick = |list: &[String], b: u8| list[usize::from(b) % list.len()].clone();
    let mut schedule = Vec::new();
    for chunk in bytes
        .get(8..)
        .unwrap_or(&[])
        .chunks_exact(4)
        .take(FUZZ_FAULTS_MAX)
    {
        let [kind, target, when, length] = [chunk[0], chunk[1], chunk[2], chunk[3]];
        let at_ms = u64::from(when) * FUZZ_HORIZON_MS / 256;
        let span_ms = 20 + u64::from(length) * 4;
        let host = pick(&hosts, target);
        let fault = match kind % 6 {
            0 => Fault::Crash {
                host,
                restart_after_ms: span_ms,
            },
            1 => Fault::Evict { host },
            2 => Fault::Hibernate { host },
            3 => Fault::StorageFailure { host },
            4 => Fault::Partition {
                a: host,
                b: pick(&clients, target / 2),
                heal_after_ms: span_ms,
            },
            _ => Fault::ClientPause {
                client: pick(&clients, target),
                duration_ms: span_ms,
            },
        };
        schedule.push(ScheduledFault { at_ms, fault });
    }
    schedule.sort_by_key(|s| s.at_ms);
    let plan = FaultPlan {
        schedule,
        safety_ms: FUZZ_HORIZON_MS,
        ..FaultPlan::none()
    };
    (seed, plan)
}

/// Runs the case `bytes` stand for with `body`: `runner`'s world, monitors
/// and limits, the decoded seed and faults.
pub fn run<F, Fut>(runner: &Runner, bytes: &[u8], body: F) -> RunRecord
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let (seed, plan) = case_from_bytes(bytes, runner.world_config());
    runner.clone().faults(Faults::Plan(plan)).record(seed, body)
}
