//! A sweep's report as a JSON file (`run --report json <file>`), and the
//! merge of several into one report (`merge <files…>`).
//!
//! A sweep split over machines or CI jobs (`--shard I/N`) writes one file
//! per shard; merged, they read as the report of the whole sweep: the same
//! seed count, the same failures with the same replay commands, the same
//! fault counts. A merge never drops what a good file says because another
//! file is bad: it names each problem (a file that does not read, a report
//! of another test, a shard given twice or missing) and still sums the
//! rest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::report::{Failure, Report};
use super::run::FailureReason;
use super::shard::Shard;
use crate::sim::faults::FaultKind;
use crate::sim::seed::Seed;
use crate::sim::NaturalEnds;

/// The `format` every report file starts with; a file of another format
/// (or a later version of this one) is refused by name.
const FORMAT: &str = "dosim-report/1";

/// One sweep (or one shard of one), as written to its JSON file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportFile {
    format: String,
    /// The dosim version that wrote it.
    dosim: String,
    test: String,
    /// `I/N` when the sweep ran one shard.
    shard: Option<String>,
    /// Seeds run.
    runs: u64,
    failures: Vec<FailureEntry>,
    faults_injected: BTreeMap<FaultKind, u64>,
    natural: NaturalEnds,
    /// Seeds that ran calm (swarm mode's share with no faults).
    #[serde(default)]
    calm: u64,
    /// Until when faults came in each run, in simulated milliseconds.
    fault_window_ms: Option<u64>,
    /// Wall-clock time the sweep took, in milliseconds.
    wall_ms: u64,
    /// The time budget, when it was spent before every seed ran.
    budget_spent_ms: Option<u64>,
    setup_error: Option<String>,
}

/// One failed seed in a report file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailureEntry {
    /// As printed: `0x`-prefixed hex.
    seed: String,
    /// The reason as printed, for readers of the file.
    reason_text: String,
    reason: FailureReason,
    replay: String,
    trace: Option<String>,
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl Report {
    /// Writes this report as JSON to `path`, as the sweep's shard `shard`
    /// (`None`: the whole sweep); the error names the file.
    pub fn write_json(&self, path: &Path, shard: Option<Shard>) -> Result<(), String> {
        let file = ReportFile {
            format: FORMAT.to_string(),
            dosim: env!("CARGO_PKG_VERSION").to_string(),
            test: self.test.clone(),
            shard: shard.map(|s| s.to_string()),
            runs: self.runs,
            failures: self
                .failures
                .iter()
                .map(|f| FailureEntry {
                    seed: f.seed.to_string(),
                    reason_text: f.reason.to_string(),
                    reason: f.reason.clone(),
                    replay: f.replay.clone(),
                    trace: f.trace_path.clone(),
                })
                .collect(),
            faults_injected: self.faults_injected.clone(),
            natural: self.natural,
            calm: self.calm,
            fault_window_ms: self.fault_window.map(millis),
            wall_ms: millis(self.wall),
            budget_spent_ms: self.budget_spent.map(millis),
            setup_error: self.setup_error.clone(),
        };
        let json = serde_json::to_string_pretty(&file)
            .map_err(|e| format!("report {}: {e}", path.display()))?;
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(path, json + "\n"))
            .map_err(|e| format!("could not write report {}: {e}", path.display()))
    }
}

fn read(path: &Path) -> Result<ReportFile, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("report {}: {e}", path.display()))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("report {}: not JSON: {e}", path.display()))?;
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(FORMAT) {
        return Err(format!(
            "report {}: format {}, expected `{FORMAT}` (written by `run --report json <file>`)",
            path.display(),
            format.map_or("missing".to_string(), |f| format!("`{f}`"))
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("report {}: {e}", path.display()))
}

/// Shard reports merged into one, with whatever kept a file out of the
/// sum or leaves the sum short.
#[derive(Debug)]
pub struct Merged {
    /// The sum of the files that read well.
    pub report: Report,
    /// Files left out, and why; shards missing. Empty when all is well.
    pub problems: Vec<String>,
}

impl Merged {
    /// Whether every seed of every file passed and nothing was wrong with
    /// the files.
    pub fn passed(&self) -> bool {
        self.report.passed() && self.problems.is_empty()
    }
}

/// Merges the report files at `paths` (see the module documentation).
pub fn merge_reports<P: AsRef<Path>>(paths: &[P]) -> Merged {
    let mut problems = Vec::new();
    let mut files: Vec<(PathBuf, ReportFile)> = Vec::new();
    for path in paths.iter().map(AsRef::as_ref) {
        match read(path) {
            Ok(file) => files.push((path.to_path_buf(), file)),
            Err(e) => problems.push(e),
        }
    }
    let test = files
        .first()
        .map_or_else(|| "(no report)".to_string(), |(_, f)| f.test.clone());
    files.retain(|(path, f)| {
        let same = f.test == test;
        if !same {
            problems.push(format!(
                "report {}: a sweep of `{}`, not of `{test}`: left out",
                path.display(),
                f.test
            ));
        }
        same
    });
    check_shards(&mut files, &mut problems);
    let mut report = Report::setup_failed(&test, String::new());
    report.setup_error = None;
    for (path, f) in &files {
        if let Some(e) = &f.setup_error {
            problems.push(format!(
                "report {}: the sweep did not start: {e}",
                path.display()
            ));
        }
        report.runs += f.runs;
        for (kind, n) in &f.faults_injected {
            *report.faults_injected.entry(*kind).or_insert(0) += n;
        }
        report.natural.add(f.natural);
        report.calm += f.calm;
        // Shards run side by side: the merged sweep took the longest one.
        report.wall = report.wall.max(Duration::from_millis(f.wall_ms));
        report.fault_window = report
            .fault_window
            .or(f.fault_window_ms.map(Duration::from_millis));
        if let Some(b) = f.budget_spent_ms {
            report.budget_spent = Some(Duration::from_millis(b));
        }
        for e in &f.failures {
            match e.seed.parse::<Seed>() {
                Ok(seed) => report.failures.push(Failure {
                    seed,
                    reason: e.reason.clone(),
                    replay: e.replay.clone(),
                    trace_path: e.trace.clone(),
                    text: String::new(),
                }),
                Err(err) => problems.push(format!("report {}: {err}", path.display())),
            }
        }
    }
    report.failures.sort_by_key(|f| f.seed);
    if files.is_empty() {
        problems.push("no report to merge".to_string());
    }
    Merged { report, problems }
}

/// Drops a shard given twice (keeping the first), and notes the shards of
/// the split that no file holds, or files that split it another way.
fn check_shards(files: &mut Vec<(PathBuf, ReportFile)>, problems: &mut Vec<String>) {
    let mut seen: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut count = None;
    files.retain(|(path, f)| {
        let Some(shard) = &f.shard else {
            return true;
        };
        let Some((i, n)) = shard
            .split_once('/')
            .and_then(|(i, n)| Some((i.parse::<u64>().ok()?, n.parse::<u64>().ok()?)))
        else {
            problems.push(format!(
                "report {}: bad shard `{shard}`: left out",
                path.display()
            ));
            return false;
        };
        if *count.get_or_insert(n) != n {
            problems.push(format!(
                "report {}: shard {shard} of a sweep split {n} ways, the others {} ways: left out",
                path.display(),
                count.unwrap_or(n)
            ));
            return false;
        }
        if let Some(first) = seen.get(&i) {
            problems.push(format!(
                "report {}: shard {shard} again (also in {}): left out",
                path.display(),
                first.display()
            ));
            return false;
        }
        seen.insert(i, path.clone());
        true
    });
    if let Some(n) = count {
        let missing: Vec<String> = (1..=n)
            .filter(|i| !seen.contains_key(i))
            .map(|i| format!("{i}/{n}"))
            .collect();
        if !missing.is_empty() {
            problems.push(format!(
                "shards missing: {} (the totals cover {} of {n} shards)",
                missing.join(", "),
                seen.len()
            ));
        }
    }
}
