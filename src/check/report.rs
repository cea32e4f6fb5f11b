//! What a user sees: a sweep's [`Report`], and for a failed run the reason,
//! the seed, the command that replays it (see [`super::replay`]), and the
//! trace file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::run::{FailureReason, RunRecord};
use crate::settings::Settings;
use crate::sim::clock::format_sim_time;
use crate::sim::faults::FaultKind;
use crate::sim::seed::Seed;
use crate::sim::world_config::WorldConfig;
use crate::trace::TraceEntry;

/// Where trace files go: `DOSIM_TRACE_DIR`, else `target/dosim` beside the
/// running binary's target directory.
pub(crate) fn trace_dir() -> PathBuf {
    if let Some(dir) = &Settings::get().trace_dir {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors()
        .find(|p| p.file_name().is_some_and(|n| n == "target"))
        .map(|t| t.join("dosim"))
        .unwrap_or_else(|| PathBuf::from("target/dosim"))
}

#[derive(Serialize)]
struct TraceHeader<'a> {
    dosim: &'a str,
    test: &'a str,
    seed: String,
    locations: Vec<&'a str>,
    failure: Option<String>,
}

/// Writes a run's trace as JSON lines (a header, then one event a line).
/// The file is a function of the seed alone: two replays write the same
/// bytes.
pub(crate) fn write_trace(
    dir: &Path,
    test: &str,
    world: &WorldConfig,
    record: &RunRecord,
) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!(
        "{}-{:016x}.trace.json",
        sanitize(test),
        record.seed.0
    ));
    let header = TraceHeader {
        dosim: env!("CARGO_PKG_VERSION"),
        test,
        seed: record.seed.to_string(),
        locations: world.locations().iter().map(|l| l.name.as_str()).collect(),
        failure: record.failure.as_ref().map(|f| f.to_string()),
    };
    let mut out = serde_json::to_string(&header).map_err(std::io::Error::other)?;
    out.push('\n');
    for event in &record.trace {
        out.push_str(&serde_json::to_string(event).map_err(std::io::Error::other)?);
        out.push('\n');
    }
    std::fs::write(&path, out)?;
    Ok(path)
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The report printed for a failed run.
pub(crate) fn failure_report(
    test: &str,
    world: &WorldConfig,
    record: &RunRecord,
    replay: &str,
    trace_path: Option<&Path>,
) -> String {
    let reason = record
        .failure
        .as_ref()
        .map_or_else(|| "no failure".to_string(), FailureReason::to_string);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "dosim: {test} failed at t={}, seed {}",
        format_sim_time(record.end_ns),
        record.seed
    );
    let _ = writeln!(s, "  reason:  {reason}");
    // A service's rates show only where the run used the service.
    let services = record
        .plan
        .service_rates
        .iter()
        .filter(|(k, _)| record.faults_injected.contains_key(k));
    let planned: Vec<String> = record
        .plan
        .rates
        .iter()
        .chain(services)
        .filter(|(_, r)| **r > 0.0)
        .map(|(k, r)| format!("{k} {r}"))
        .collect();
    let injected: Vec<String> = record
        .faults_injected
        .iter()
        .map(|(k, n)| format!("{k} x{n}"))
        .collect();
    // What the runtime ended on its own counts too: it is what lost the
    // memory of an object that hibernated, with no fault at all.
    let natural = [
        ("natural evict", record.natural.evicted),
        ("natural hibernate", record.natural.hibernated),
    ];
    let ended: Vec<String> = natural
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} x{n}"))
        .collect();
    let _ = writeln!(
        s,
        "  faults:  {}{} (plan: {}{})",
        if injected.is_empty() {
            "none injected".to_string()
        } else {
            injected.join(", ")
        },
        if ended.is_empty() {
            String::new()
        } else {
            format!("; {}", ended.join(", "))
        },
        if record.plan.calm {
            "a calm seed, no faults".to_string()
        } else if planned.is_empty() {
            "no random faults".to_string()
        } else {
            planned.join(", ")
        },
        if record.plan.schedule.is_empty() {
            String::new()
        } else {
            format!(", {} scheduled", record.plan.schedule.len())
        }
    );
    if let Some(last) = last_panic(&record.trace) {
        let _ = writeln!(s, "  object:  {last}");
    }
    let names = crate::trace::text::object_names(&record.trace);
    if !names.is_empty() {
        let legend: Vec<String> = names
            .iter()
            .map(|(o, n)| format!("#{} = {n}", o.0))
            .collect();
        let _ = writeln!(s, "  objects: {}", legend.join(", "));
    }
    let lines = crate::trace::text::Lines::new(&record.trace, world);
    let story = super::story::story(&record.trace, record.failure_event, world);
    if let (Some(obj), false) = (story.object, story.events.is_empty()) {
        let name = names
            .get(&obj)
            .cloned()
            .unwrap_or_else(|| format!("#{}", obj.0));
        let _ = writeln!(s, "  story:   {name}: {}", story.headline);
        for &i in &story.events {
            let _ = writeln!(s, "{}", lines.line(&record.trace[i]));
        }
    }
    let _ = writeln!(s, "  replay: {replay}");
    match trace_path {
        Some(p) => {
            let _ = writeln!(s, "  trace:   {}", p.display());
        }
        None => {
            let _ = writeln!(s, "  trace:   (could not be written)");
        }
    }
    // The events leading up to the failure: up to the offending event for
    // a monitor, else the end of the run.
    let end = record
        .failure_event
        .map_or(record.trace.len(), |i| i + 1)
        .min(record.trace.len());
    let start = end.saturating_sub(LAST_EVENTS);
    if end > start {
        let _ = writeln!(s, "  last events:");
        for e in &record.trace[start..end] {
            let _ = writeln!(s, "{}", lines.line(e));
        }
    }
    s
}

/// How many events a failure report shows.
const LAST_EVENTS: usize = 12;

/// The last handler panic in the trace, to point at the object's code.
fn last_panic(trace: &[TraceEntry]) -> Option<String> {
    trace.iter().rev().find_map(|e| match &e.what {
        crate::trace::What::Panicked { message, .. } => Some(format!(
            "a handler panicked at t={}: {message}",
            format_sim_time(e.t)
        )),
        _ => None,
    })
}

/// `5s`, `250ms`, or the full simulated time when neither is exact.
fn short(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else if d.subsec_nanos() % 1_000_000 == 0 {
        format!("{}ms", d.as_millis())
    } else {
        format_sim_time(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
    }
}

/// One failed seed.
#[derive(Clone, Debug)]
pub struct Failure {
    /// The seed.
    pub seed: Seed,
    /// Why it failed.
    pub reason: FailureReason,
    /// The command that replays it.
    pub replay: String,
    /// Where its trace was written.
    pub trace_path: Option<String>,
    /// The report as printed.
    pub text: String,
}

/// The outcome of a sweep.
#[derive(Clone, Debug)]
#[must_use = "a report does nothing until it is checked: call `assert_passed()` or read `passed()`"]
pub struct Report {
    /// The sweep's name.
    pub test: String,
    /// Seeds run.
    pub runs: u64,
    /// The seeds that failed, in order.
    pub failures: Vec<Failure>,
    /// The sweep could not start (a bad `DOSIM_SEED`, say).
    pub setup_error: Option<String>,
    /// Wall-clock time the sweep took.
    pub wall: Duration,
    /// Faults injected over the whole sweep, per kind.
    pub faults_injected: BTreeMap<FaultKind, u64>,
    /// How long faults kept coming in each run (`None`: no faults).
    pub fault_window: Option<Duration>,
    /// Instances the runtime ended on its own over the whole sweep, with
    /// no fault: idle evictions and hibernations.
    pub natural: crate::sim::NaturalEnds,
    /// The wall-clock time budget (`--time-budget`), when the sweep
    /// stopped because it was spent before every seed ran.
    pub budget_spent: Option<Duration>,
    /// Seeds that ran calm: swarm mode's share with no faults at all (see
    /// [`crate::sim::CALM_ONE_IN`]).
    pub calm: u64,
}

impl Report {
    pub(crate) fn setup_failed(test: &str, error: String) -> Report {
        Report {
            test: test.to_string(),
            runs: 0,
            failures: Vec::new(),
            setup_error: Some(error),
            wall: Duration::ZERO,
            faults_injected: BTreeMap::new(),
            fault_window: None,
            natural: Default::default(),
            budget_spent: None,
            calm: 0,
        }
    }

    /// Whether every seed passed (and the sweep could start).
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.setup_error.is_none()
    }

    /// Seeds run per wall-clock second.
    pub fn seeds_per_s(&self) -> f64 {
        self.runs as f64 / self.wall.as_secs_f64().max(1e-9)
    }

    /// What the command line prints after a sweep: seeds and seeds/s, the
    /// fault kinds hit, each failure with its replay command, and the
    /// closing [`Report::summary_line`]. Only the first line (wall time)
    /// differs between two sweeps of the same seeds.
    pub fn summary(&self) -> String {
        let budget = match self.budget_spent {
            Some(b) => format!("; the time budget ({}) is spent", short(b)),
            None => String::new(),
        };
        let mut s = format!(
            "dosim: {}: {} seeds in {:.2}s ({:.0} seeds/s){budget}\n",
            self.test,
            self.runs,
            self.wall.as_secs_f64(),
            self.seeds_per_s()
        );
        s.push_str(&format!("  {}\n", self.faults_line()));
        s.push_str(&self.failure_lines());
        s.push_str(&self.summary_line());
        s.push('\n');
        s
    }

    /// `faults injected: crash 12, partition 30; faults until t=5s`: what
    /// the sweep injected and until when each run could be hit (`, except
    /// 13 calm seeds` when swarm mode ran some seeds with no faults); then, if
    /// the runtime ended instances on its own, `natural: evict 3,
    /// hibernate 5` (idle evictions and hibernations, no fault).
    pub fn faults_line(&self) -> String {
        let kinds: Vec<String> = self
            .faults_injected
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let injected = if kinds.is_empty() {
            "none".to_string()
        } else {
            kinds.join(", ")
        };
        let window = match self.fault_window {
            Some(w) => format!("faults until t={} (Runner::fault_window)", short(w)),
            None => "no faults planned".to_string(),
        };
        let calm = if self.calm == 0 {
            String::new()
        } else {
            format!(", except {} calm seeds", self.calm)
        };
        let natural = if self.natural.is_empty() {
            String::new()
        } else {
            format!(
                "; natural: evict {}, hibernate {}",
                self.natural.evicted, self.natural.hibernated
            )
        };
        format!("faults injected: {injected}; {window}{calm}{natural}")
    }

    /// One line per failed seed: the seed, the reason's first line and the
    /// command that replays it.
    fn failure_lines(&self) -> String {
        let mut s = String::new();
        for f in &self.failures {
            let reason = f.reason.to_string();
            let reason = reason.lines().next().unwrap_or_default();
            let _ = writeln!(
                s,
                "  failed: seed {} — {reason} — replay: {}",
                f.seed, f.replay
            );
        }
        s
    }

    /// The whole sweep in one line, as a passing [`crate::check`] prints
    /// it: `dosim: <test>: <n> passed, <m> failed; faults injected: …`.
    pub fn one_line(&self) -> String {
        let failed = self.failures.len() as u64;
        format!(
            "dosim: {}: {} passed, {failed} failed; {}",
            self.test,
            self.runs - failed,
            self.faults_line()
        )
    }

    /// The closing line: `dosim: <n> passed, <m> failed`.
    pub fn summary_line(&self) -> String {
        let failed = self.failures.len() as u64;
        format!("dosim: {} passed, {} failed", self.runs - failed, failed)
    }

    /// Panics with the reports of the failed seeds, if any.
    #[track_caller]
    pub fn assert_passed(&self) {
        if let Some(e) = &self.setup_error {
            panic!("dosim: {}: {e}", self.test);
        }
        if let Some(first) = self.failures.first() {
            panic!(
                "{}{}{}\n(first failure of {} in {} seeds; replay: {})",
                first.text,
                self.failure_lines(),
                self.one_line(),
                self.failures.len(),
                self.runs,
                first.replay
            );
        }
    }
}
