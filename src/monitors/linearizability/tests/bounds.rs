//! The bounds: per-part step budgets, the memory bound, and what a search
//! holds per explored pair.

use super::super::search::{search, Bounds, Call};
use super::*;

/// A history whose key 0 is hard (eight concurrent puts, eight concurrent
/// reads that each saw one of them, in the opposite order) and whose key 1
/// lost an acknowledged put.
pub(super) fn hard_key_and_failing_key() -> History<KvOp, KvRet> {
    let mut ops = Vec::new();
    for v in 1..=8u64 {
        ops.push(done(v, KvOp::Put { key: 0, value: v }, 0, KvRet::Done, 100));
        ops.push(done(
            10 + v,
            KvOp::Get { key: 0 },
            0,
            KvRet::Value(Some(9 - v)),
            100,
        ));
    }
    ops.push(done(30, KvOp::Put { key: 1, value: 5 }, 0, KvRet::Done, 10));
    ops.push(done(31, KvOp::Get { key: 1 }, 20, KvRet::Value(None), 30));
    History::from_ops(ops).unwrap()
}

#[test]
fn a_hard_key_does_not_starve_a_failing_one() {
    let verdict = Checker::new()
        .steps_max(1000)
        .check(&hard_key_and_failing_key(), Kv::default());
    let c = counterexample(verdict);
    assert_eq!(c.partition, Some(PartitionKey::Number(1)));
    assert_eq!(c.window.len(), 2);
}

#[test]
fn a_part_that_gives_up_is_named() {
    let hard_only = hard_key_only();
    let verdict = Checker::new()
        .steps_max(1000)
        .check(&hard_only, Kv::default());
    let Verdict::GaveUp {
        limit: Limit::Steps,
        steps: 1000,
        partition: Some(PartitionKey::Number(0)),
        ..
    } = verdict
    else {
        panic!("expected key 0 to give up after 1000 steps: {verdict}");
    };
    assert!(verdict.to_string().contains("on partition 0"), "{verdict}");
    // With room enough, the hard key is decided: it is linearizable.
    assert!(check(&hard_only, Kv::default()).is_linearizable());
}

/// Key 0 of [`hard_key_and_failing_key`] alone.
fn hard_key_only() -> History<KvOp, KvRet> {
    History::from_ops(
        hard_key_and_failing_key()
            .ops()
            .iter()
            .filter(|o| o.op.key() == 0)
            .cloned()
            .collect(),
    )
    .unwrap()
}

#[test]
fn eight_concurrent_puts_do_not_hide_a_lost_put_on_another_key() {
    // The minimal case as it stands: eight concurrent puts on key
    // 0, read back after, and an acknowledged put on key 1 that a later
    // read does not see.
    let mut ops = Vec::new();
    for v in 1..=8u64 {
        ops.push(done(v, KvOp::Put { key: 0, value: v }, 0, KvRet::Done, 100));
    }
    ops.push(done(
        9,
        KvOp::Get { key: 0 },
        200,
        KvRet::Value(Some(3)),
        210,
    ));
    ops.push(done(30, KvOp::Put { key: 1, value: 5 }, 0, KvRet::Done, 10));
    ops.push(done(31, KvOp::Get { key: 1 }, 20, KvRet::Value(None), 30));
    let h = History::from_ops(ops).unwrap();
    let c = counterexample(Checker::new().steps_max(1000).check(&h, Kv::default()));
    assert_eq!(c.partition, Some(PartitionKey::Number(1)));
    assert_eq!(c.ids, vec![OpId(9), OpId(10)]);
}

/// The search of `h` whole (one part) with `bounds`.
fn search_whole(h: &History<KvOp, KvRet>, bounds: Bounds) -> super::super::search::Search {
    let calls: Vec<Call<'_, KvOp, KvRet>> = h
        .ops()
        .iter()
        .map(|o| Call {
            op: &o.op,
            ret: o.ret(),
            return_ns: o.return_ns(),
            call_ns: o.call_ns,
        })
        .collect();
    search(&calls, &Kv::default(), bounds)
}

#[test]
fn a_search_holds_a_few_dozen_bytes_per_explored_pair() {
    // States are interned, so a pair costs its set's bit words, two
    // indices and a table slot, whatever the model's state; tables grow by
    // doubling, so up to twice that. The hard key explores thousands of
    // pairs over a handful of states.
    let s = search_whole(
        &hard_key_only(),
        Bounds {
            steps_max: u64::MAX,
            bytes_max: u64::MAX,
        },
    );
    assert!(s.pairs > 1_000, "{} pairs", s.pairs);
    let per_pair = s.bytes as f64 / s.pairs as f64;
    let per_step = s.bytes as f64 / s.steps as f64;
    eprintln!(
        "hard key: {} steps, {} pairs, {} bytes: {per_pair:.1} bytes per pair, {per_step:.1} per step",
        s.steps, s.pairs, s.bytes
    );
    assert!(per_pair < 80.0, "{per_pair:.1} bytes per pair");
}

#[test]
fn a_search_past_its_memory_bound_gives_up_and_says_so() {
    let bound = 64 * 1024;
    let verdict = Checker::new()
        .memory_max(bound)
        .check(&hard_key_only(), Kv::default());
    let Verdict::GaveUp {
        limit: Limit::Memory,
        steps,
        bytes,
        partition: Some(PartitionKey::Number(0)),
    } = verdict
    else {
        panic!("expected key 0 to reach the memory bound: {verdict}");
    };
    // It stops at the growth that crossed the bound, which at most doubles
    // what it held.
    assert!(bytes > bound && bytes <= 2 * bound, "{bytes} bytes");
    assert!(steps > 0 && steps < 10_000_000, "{steps} steps");
    let text = verdict.to_string();
    assert!(
        text.contains("on partition 0") && text.contains("raise Checker::memory_max"),
        "{text}"
    );
}

#[test]
fn a_part_past_the_memory_bound_does_not_hide_a_failing_one() {
    let verdict = Checker::new()
        .memory_max(64 * 1024)
        .check(&hard_key_and_failing_key(), Kv::default());
    assert_eq!(
        counterexample(verdict).partition,
        Some(PartitionKey::Number(1))
    );
}

#[test]
fn a_tiny_memory_bound_is_an_answer_not_a_panic() {
    let h = History::from_ops(vec![read(1, 0, 0, 10)]).unwrap();
    let v = Checker::new().memory_max(0).check(&h, Register(0));
    assert!(
        matches!(
            v,
            Verdict::GaveUp {
                limit: Limit::Memory,
                ..
            }
        ),
        "{v}"
    );
}

#[test]
fn verdict_only_reports_the_failing_part_whole() {
    let h = hard_key_and_failing_key();
    let c = counterexample(
        Checker::new()
            .steps_max(1000)
            .verdict_only()
            .check(&h, Kv::default()),
    );
    assert_eq!(c.partition, Some(PartitionKey::Number(1)));
    assert_eq!(c.ids, vec![OpId(16), OpId(17)]);
    assert!(!c.narrowed && !c.minimal);
    assert_eq!((c.prefix_end_ns, c.prefix_ops), (30, 2));
    let text = c.to_string();
    assert!(text.contains("verdict only"), "{text}");
    // The part's operations alone fail, as any counterexample does.
    assert!(!check(&c.window, Kv::default()).is_linearizable());
}
