//! The corpus: failing runs saved as files, replayed as regressions.
//!
//! `cargo run --example <name> -- save <seed>` writes
//! `corpus/<test>/<seed>.json`: the seed, the fault plan the run actually
//! used (for swarm mode, the plan swarm drew for that seed), the failure it
//! gave, and the dosim version. No wall-clock date: saving one seed twice
//! writes the same bytes. Because the plan is stored, the file keeps its
//! meaning when swarm mode's generator changes.
//!
//! [`replay_dir`] runs every file of a directory with its saved plan; a test
//! that asserts the result passes keeps failing until the bug is fixed:
//!
//! ```no_run
//! # async fn workload(_sim: dosim::Sim) -> dosim::Result<()> { Ok(()) }
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/counter");
//! dosim::corpus::replay_dir(dir, &dosim::Runner::new("counter"), workload).assert_passed();
//! ```
//!
//! A file that is not valid JSON, lacks a field, or has another major
//! schema version is reported and skipped; it never stops the replay.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::report::Failure;
use super::run::{Body, Faults, RunRecord};
use super::runner::Runner;
use super::sim::Sim;
use crate::runtime::error::Result;
use crate::sim::clock::format_sim_time;
use crate::sim::faults::FaultPlan;
use crate::sim::seed::Seed;

/// The schema version written; a file whose major version (before the dot)
/// differs is outdated.
pub const SCHEMA: &str = "1.0";

/// One saved run, as stored in `corpus/<test>/<seed>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorpusFile {
    /// The file format's version, `major.minor`.
    pub schema: String,
    /// The dosim version that saved it.
    pub dosim: String,
    /// The sweep's name.
    pub test: String,
    /// The seed, as `0x…` hex.
    pub seed: String,
    /// The fault plan the run used.
    pub plan: FaultPlan,
    /// The planted bug switched on when it was saved (`DOSIM_MUTATION`).
    pub mutation: Option<String>,
    /// Why the run failed when it was saved (`None`: it passed).
    pub failure: Option<String>,
    /// Simulated time at which the run ended, for the reader.
    pub ended_at: String,
    /// Trace events the run recorded, for the reader.
    pub events: u64,
}

impl CorpusFile {
    /// The file for `record`, a run of the sweep `runner`.
    pub fn of(runner: &Runner, record: &RunRecord) -> CorpusFile {
        CorpusFile {
            schema: SCHEMA.to_string(),
            dosim: env!("CARGO_PKG_VERSION").to_string(),
            test: runner.test_name().to_string(),
            seed: record.seed.to_string(),
            plan: record.plan.clone(),
            mutation: runner.mutation_setting().map(|m| m.name().to_string()),
            failure: record.failure.as_ref().map(|f| f.to_string()),
            ended_at: format_sim_time(record.end_ns),
            events: record.trace.len() as u64,
        }
    }

    /// Writes it to `<root>/<test>/<seed>.json`; returns the path.
    pub fn save(&self, root: &Path) -> std::io::Result<PathBuf> {
        let dir = root.join(&self.test);
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.json", self.seed));
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Reads and checks a file: the error says what is wrong with it.
    pub fn load(path: &Path) -> std::result::Result<(CorpusFile, Seed), String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read it: {e}"))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("not valid JSON: {e}"))?;
        let schema = value
            .get("schema")
            .and_then(|s| s.as_str())
            .ok_or("no `schema` field: not a dosim corpus file")?;
        let major = |s: &str| s.split('.').next().unwrap_or("").to_string();
        if major(schema) != major(SCHEMA) {
            return Err(format!(
                "outdated: schema {schema}, this dosim ({}) reads schema {}.x; save the seed again",
                env!("CARGO_PKG_VERSION"),
                major(SCHEMA)
            ));
        }
        let file: CorpusFile =
            serde_json::from_value(value).map_err(|e| format!("corrupt: {e}"))?;
        let seed = file
            .seed
            .parse::<Seed>()
            .map_err(|e| format!("corrupt: {e}"))?;
        Ok((file, seed))
    }
}

/// The replay of one corpus file.
#[derive(Clone, Debug)]
pub struct CorpusReplay {
    /// The file.
    pub path: PathBuf,
    /// Its seed.
    pub seed: Seed,
    /// The failure it was saved with.
    pub saved_failure: Option<String>,
    /// How it fails now (`None`: it passes: the bug is fixed).
    pub failure: Option<Failure>,
}

/// A corpus file that could not be replayed, and why.
#[derive(Clone, Debug)]
pub struct CorpusSkip {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub problem: String,
}

/// The outcome of [`replay_dir`].
#[derive(Clone, Debug, Default)]
pub struct CorpusReport {
    /// The directory replayed.
    pub dir: PathBuf,
    /// The files replayed, in file-name order.
    pub replayed: Vec<CorpusReplay>,
    /// The files skipped (corrupt or outdated), in file-name order.
    pub skipped: Vec<CorpusSkip>,
}

impl CorpusReport {
    /// Whether every file replayed passes (skipped files do not count).
    pub fn passed(&self) -> bool {
        self.replayed.iter().all(|r| r.failure.is_none())
    }

    /// The files that still fail.
    pub fn failures(&self) -> impl Iterator<Item = &CorpusReplay> {
        self.replayed.iter().filter(|r| r.failure.is_some())
    }

    /// A readable account: a line per skipped or failing file, and a
    /// closing `dosim corpus: …` line.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for skip in &self.skipped {
            s.push_str(&format!(
                "dosim corpus: skipped {}: {}\n",
                skip.path.display(),
                skip.problem
            ));
        }
        for r in self.failures() {
            let f = r.failure.as_ref().expect("failures() only yields failures");
            s.push_str(&format!(
                "dosim corpus: {} (seed {}) still fails: {}\n  replay: {}\n",
                r.path.display(),
                r.seed,
                f.reason,
                f.replay
            ));
        }
        let failed = self.failures().count();
        s.push_str(&format!(
            "dosim corpus: {}: {} passed, {} failed, {} skipped\n",
            self.dir.display(),
            self.replayed.len() - failed,
            failed,
            self.skipped.len()
        ));
        s
    }

    /// Prints the skipped files to stderr, and panics with the failures'
    /// reports if a file still fails.
    #[track_caller]
    pub fn assert_passed(&self) {
        if !self.skipped.is_empty() {
            eprint!("{}", self.summary());
        }
        if let Some(first) = self.failures().next() {
            let text = first.failure.as_ref().map_or("", |f| f.text.as_str());
            panic!("{text}{}", self.summary());
        }
    }
}

/// Replays every `*.json` file of `dir` (in file-name order) with the seed
/// and fault plan it saved, on `runner`'s world and limits. A missing
/// directory is an empty corpus.
pub fn replay_dir<F, Fut>(dir: impl AsRef<Path>, runner: &Runner, body: F) -> CorpusReport
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    let body: Body = Arc::new(move |sim| Box::pin(body(sim)));
    let dir = dir.as_ref().to_path_buf();
    let mut report = CorpusReport {
        dir: dir.clone(),
        ..CorpusReport::default()
    };
    let mut paths: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect(),
        Err(_) => Vec::new(),
    };
    paths.sort();
    for path in paths {
        let (file, seed) = match CorpusFile::load(&path) {
            Ok(loaded) => loaded,
            Err(problem) => {
                report.skipped.push(CorpusSkip { path, problem });
                continue;
            }
        };
        let run = runner.clone().quiet().faults(Faults::Plan(file.plan));
        if let Err(problem) = run.setup_check() {
            report.skipped.push(CorpusSkip { path, problem });
            continue;
        }
        let failure = run.sweep(&[seed], &body).failures.into_iter().next();
        report.replayed.push(CorpusReplay {
            path,
            seed,
            saved_failure: file.failure,
            failure,
        });
    }
    report
}
