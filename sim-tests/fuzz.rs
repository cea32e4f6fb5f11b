//! The fuzzing entry: any bytes decode to a case, the same bytes replay the
//! same run, and a failing input becomes a corpus case that replays.

use dosim::corpus::{replay_dir, CorpusFile};
use dosim::{fuzz, Runner, WorldConfig};
use dosim_workloads::counter::{workload, Counter};
use dosim_workloads::counter_racy::{self, RacyCounter};

#[test]
fn any_bytes_decode_and_the_same_bytes_replay_the_same_run() {
    let world = WorldConfig::default();
    for bytes in [&b""[..], b"\x01", b"12345678abcdefghijklmnop", &[0xff; 200]] {
        let (seed, plan) = fuzz::case_from_bytes(bytes, &world);
        assert!(plan.validate(&world).is_ok(), "{bytes:?} gave {plan:?}");
        assert_eq!(fuzz::case_from_bytes(bytes, &world), (seed, plan));
    }
    let runner = Runner::new("fuzz_replay").quiet();
    let input = b"\x07\x00\x00\x00\x00\x00\x00\x00\x00\x01\x10\x40\x04\x00\x30\x20";
    let a = fuzz::run(&runner, input, workload::<Counter>);
    let b = fuzz::run(&runner, input, workload::<Counter>);
    assert!(a.failure.is_none(), "{:?}", a.failure);
    assert!(
        !a.faults_applied.is_empty(),
        "the input's faults were applied"
    );
    assert_eq!(
        a.trace, b.trace,
        "the same input gives the same run, byte for byte"
    );
}

#[test]
fn a_crash_the_fuzzer_finds_becomes_a_corpus_case() {
    let runner = Runner::new("fuzz_counter_racy").quiet();
    // What libFuzzer would find first: the racy counter fails on most inputs.
    let failing = (0u8..=255)
        .map(|b| vec![b; 12])
        .map(|bytes| fuzz::run(&runner, &bytes, counter_racy::workload))
        .find(|r| r.failure.is_some())
        .expect("no input made the racy counter fail");
    let dir = std::env::temp_dir().join(format!("dosim-fuzz-corpus-{}", std::process::id()));
    CorpusFile::of(&runner, &failing).save(&dir).unwrap();
    let corpus = dir.join("fuzz_counter_racy");
    let racy = replay_dir(&corpus, &runner, workload::<RacyCounter>);
    assert!(
        !racy.passed(),
        "the saved case fails the racy counter: {}",
        racy.summary()
    );
    let fixed = replay_dir(&corpus, &runner, workload::<Counter>);
    assert!(
        fixed.passed(),
        "and passes the fixed one: {}",
        fixed.summary()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
