//! The corpus: a saved failure keeps `cargo test` failing until the bug is
//! fixed, and a broken file is reported and skipped, never a crash.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use dosim::corpus::{replay_dir, CorpusFile};
use dosim::{Faults, Runner};
use dosim_workloads::{counter, counter_racy};

/// The committed corpus of the `counter_racy` example.
const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/counter_racy");

fn runner() -> Runner {
    Runner::new("counter_racy").quiet()
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn a_saved_failure_fails_against_the_bug_and_passes_against_the_fix() {
    let root = scratch("corpus_saved_failure");
    let sweep = runner()
        .faults(Faults::Swarm)
        .seeds(10)
        .run(counter_racy::workload);
    let seed = sweep
        .failures
        .first()
        .expect("the racy twin fails in 10 seeds")
        .seed;
    let args = ["counter_racy", "save", &seed.to_string(), "--dir"];
    let args = args
        .iter()
        .map(|s| s.to_string())
        .chain([root.display().to_string()]);
    let code = dosim::cli_main_from(args, runner(), counter_racy::workload);
    assert_eq!(code, ExitCode::SUCCESS);
    let path = root.join("counter_racy").join(format!("{seed}.json"));
    let (file, loaded_seed) = CorpusFile::load(&path).expect("the saved file loads");
    assert_eq!(loaded_seed, seed);
    assert_eq!(file.test, "counter_racy");
    assert_eq!(
        file.plan,
        dosim::FaultPlan::swarm(seed),
        "the plan swarm drew"
    );
    assert!(file
        .failure
        .as_deref()
        .unwrap()
        .contains("but the counter reads"));
    // No wall clock in it: saving the seed again writes the same bytes.
    let first = std::fs::read(&path).unwrap();
    let args = ["counter_racy", "save", &seed.to_string(), "--dir"];
    let args = args
        .iter()
        .map(|s| s.to_string())
        .chain([root.display().to_string()]);
    assert_eq!(
        dosim::cli_main_from(args, runner(), counter_racy::workload),
        ExitCode::SUCCESS
    );
    assert_eq!(std::fs::read(&path).unwrap(), first);

    let dir = root.join("counter_racy");
    let buggy = replay_dir(&dir, &runner(), counter_racy::workload);
    assert_eq!(buggy.replayed.len(), 1);
    assert!(
        !buggy.passed(),
        "the racy twin still fails: {}",
        buggy.summary()
    );
    let fixed = replay_dir(&dir, &runner(), counter::workload::<counter::Counter>);
    fixed.assert_passed();
    assert_eq!(fixed.replayed.len(), 1);
}

#[test]
fn the_committed_corpus_fails_the_racy_twin_and_passes_the_counter() {
    let buggy = replay_dir(COMMITTED, &runner(), counter_racy::workload);
    assert!(
        !buggy.replayed.is_empty(),
        "corpus/counter_racy holds files"
    );
    assert!(buggy.skipped.is_empty(), "{}", buggy.summary());
    assert_eq!(
        buggy.failures().count(),
        buggy.replayed.len(),
        "every saved lost update is found again: {}",
        buggy.summary()
    );
    for r in &buggy.replayed {
        assert!(r.saved_failure.is_some());
    }
    replay_dir(COMMITTED, &runner(), counter::workload::<counter::Counter>).assert_passed();
}

#[test]
fn corrupt_and_outdated_files_are_reported_and_skipped() {
    let dir = scratch("corpus_broken_files");
    let good = std::fs::read_dir(COMMITTED)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a committed file");
    std::fs::copy(&good, dir.join("good.json")).unwrap();
    let text = std::fs::read_to_string(&good).unwrap();
    std::fs::write(dir.join("bad_json.json"), "{ this is not json").unwrap();
    std::fs::write(
        dir.join("missing_field.json"),
        text.replace("\"seed\":", "\"sed\":"),
    )
    .unwrap();
    std::fs::write(
        dir.join("outdated.json"),
        text.replace("\"schema\": \"1.0\"", "\"schema\": \"0.3\""),
    )
    .unwrap();
    std::fs::write(
        dir.join("bad_seed.json"),
        text.replace("\"seed\": \"0x", "\"seed\": \"0xzz"),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a corpus file").unwrap();

    let report = replay_dir(&dir, &runner(), counter::workload::<counter::Counter>);
    let problems: Vec<(String, String)> = report
        .skipped
        .iter()
        .map(|s| {
            (
                s.path.file_name().unwrap().to_string_lossy().into_owned(),
                s.problem.clone(),
            )
        })
        .collect();
    assert_eq!(problems.len(), 4, "{problems:?}");
    let problem = |name: &str| &problems.iter().find(|(n, _)| n == name).unwrap().1;
    assert!(
        problem("bad_json.json").contains("not valid JSON"),
        "{problems:?}"
    );
    assert!(
        problem("missing_field.json").contains("missing field `seed`"),
        "{problems:?}"
    );
    assert!(
        problem("outdated.json").contains("outdated: schema 0.3"),
        "{problems:?}"
    );
    assert!(
        problem("bad_seed.json").contains("invalid seed"),
        "{problems:?}"
    );
    assert_eq!(report.replayed.len(), 1, "the good file still runs");
    assert!(report.passed());
    let summary = report.summary();
    assert!(
        summary.contains("1 passed, 0 failed, 4 skipped"),
        "{summary}"
    );
    report.assert_passed();
}

#[test]
fn a_missing_corpus_is_empty() {
    let report = replay_dir("/nonexistent/corpus/x", &runner(), counter_racy::workload);
    assert!(report.replayed.is_empty() && report.skipped.is_empty());
    assert!(report.passed());
}
