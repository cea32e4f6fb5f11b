use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::kv_model::{Kv, KvOp, KvRet};
use super::*;

mod bounds;
mod jepsen;
mod outcomes;
mod witness;

/// A register holding one number, checked whole (no partitions).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Register(u64);

#[derive(Clone, Debug, PartialEq)]
enum RegOp {
    Write(u64),
    Read,
}

impl Model for Register {
    type Op = RegOp;
    type Ret = Option<u64>;
    fn step(&self, op: &RegOp) -> (Self, Option<u64>) {
        match op {
            RegOp::Write(v) => (Register(*v), None),
            RegOp::Read => (self.clone(), Some(self.0)),
        }
    }
}

/// An operation that returned.
fn done<Op, Ret>(
    client: u64,
    op: Op,
    call_ns: u64,
    ret: Ret,
    return_ns: u64,
) -> Operation<Op, Ret> {
    Operation {
        client,
        op,
        call_ns,
        outcome: Outcome::Returned { ret, return_ns },
    }
}

/// An operation whose outcome is unknown.
fn lost<Op, Ret>(client: u64, op: Op, call_ns: u64) -> Operation<Op, Ret> {
    Operation {
        client,
        op,
        call_ns,
        outcome: Outcome::Unknown,
    }
}

fn reg(ops: Vec<Operation<RegOp, Option<u64>>>) -> Verdict<RegOp, Option<u64>> {
    check(&History::from_ops(ops).unwrap(), Register(0))
}

fn write(client: u64, v: u64, call_ns: u64, return_ns: u64) -> Operation<RegOp, Option<u64>> {
    done(client, RegOp::Write(v), call_ns, None, return_ns)
}

fn read(client: u64, v: u64, call_ns: u64, return_ns: u64) -> Operation<RegOp, Option<u64>> {
    done(client, RegOp::Read, call_ns, Some(v), return_ns)
}

fn counterexample<Op, Ret>(v: Verdict<Op, Ret>) -> Counterexample<Op, Ret> {
    match v {
        Verdict::NotLinearizable(c) => *c,
        Verdict::Linearizable => panic!("expected not linearizable, got linearizable"),
        Verdict::GaveUp { steps, .. } => panic!("expected not linearizable, gave up at {steps}"),
    }
}

#[test]
fn an_empty_history_is_linearizable() {
    assert!(reg(vec![]).is_linearizable());
}

#[test]
fn sequential_register_history_is_linearizable() {
    let v = reg(vec![
        write(1, 1, 0, 10),
        read(2, 1, 20, 30),
        write(2, 2, 40, 50),
        read(1, 2, 60, 70),
    ]);
    assert_eq!(v, Verdict::Linearizable);
}

#[test]
fn a_read_after_a_write_returned_must_see_it() {
    let c = counterexample(reg(vec![write(1, 1, 0, 10), read(2, 0, 20, 30)]));
    assert_eq!(c.ids, vec![OpId(0), OpId(1)]);
    assert_eq!(c.partition, None);
    assert!(c.minimal);
}

#[test]
fn a_read_concurrent_with_a_write_may_see_either_value() {
    for seen in [0, 1] {
        let v = reg(vec![write(1, 1, 0, 30), read(2, seen, 10, 20)]);
        assert!(v.is_linearizable(), "read saw {seen}");
    }
}

#[test]
fn concurrent_writes_may_take_effect_in_either_order() {
    for last in [1, 2] {
        let v = reg(vec![
            write(1, 1, 0, 30),
            write(2, 2, 5, 25),
            read(3, last, 40, 50),
        ]);
        assert!(v.is_linearizable(), "read saw {last}");
    }
    // But two readers after both writes cannot disagree.
    let v = reg(vec![
        write(1, 1, 0, 30),
        write(2, 2, 5, 25),
        read(3, 1, 40, 50),
        read(4, 2, 60, 70),
    ]);
    assert!(!v.is_linearizable());
}

#[test]
fn operations_that_touch_at_one_instant_are_concurrent() {
    assert!(reg(vec![write(1, 1, 0, 10), read(2, 0, 10, 20)]).is_linearizable());
}

#[test]
fn reads_may_not_go_back_in_time() {
    let v = reg(vec![
        write(1, 1, 0, 100),
        read(2, 1, 10, 20),
        read(3, 0, 30, 40),
    ]);
    let c = counterexample(v);
    assert_eq!((c.prefix_end_ns, c.prefix_ops), (40, 3));
    // The first read alone fails too (nothing wrote 1), but the window
    // keeps the second read, which made the history fail, and the write
    // that explains the first.
    assert_eq!(c.ids, vec![OpId(0), OpId(1), OpId(2)]);
}

#[test]
fn an_unknown_write_may_have_taken_effect() {
    assert!(reg(vec![lost(1, RegOp::Write(1), 0), read(2, 1, 20, 30)]).is_linearizable());
}

#[test]
fn an_unknown_write_may_not_have_taken_effect() {
    assert!(reg(vec![lost(1, RegOp::Write(1), 0), read(2, 0, 20, 30)]).is_linearizable());
}

#[test]
fn an_unknown_write_takes_effect_once_and_for_good() {
    let v = reg(vec![
        lost(1, RegOp::Write(1), 0),
        read(2, 1, 20, 30),
        read(2, 0, 40, 50),
    ]);
    assert!(!v.is_linearizable());
}

#[test]
fn an_unknown_write_cannot_take_effect_before_its_call() {
    let v = reg(vec![read(2, 1, 0, 10), lost(1, RegOp::Write(1), 20)]);
    assert_eq!(counterexample(v).ids, vec![OpId(0)]);
}

#[test]
fn an_unknown_write_may_take_effect_long_after_its_call() {
    // Write(1)'s fate is unknown, so it may land after Write(2), invoked later.
    let v = reg(vec![
        lost(1, RegOp::Write(1), 0),
        write(2, 2, 100, 110),
        read(3, 1, 200, 210),
    ]);
    assert!(v.is_linearizable());
}

#[test]
fn an_unknown_outcome_accepts_any_return_value() {
    assert!(reg(vec![lost(1, RegOp::Read, 0), write(2, 3, 5, 6)]).is_linearizable());
}

#[test]
fn kv_keys_are_checked_apart_and_the_report_names_the_key() {
    let h = History::from_ops(vec![
        done(1, KvOp::Put { key: 1, value: 10 }, 0, KvRet::Done, 10),
        done(2, KvOp::Put { key: 2, value: 20 }, 0, KvRet::Done, 10),
        done(1, KvOp::Get { key: 2 }, 20, KvRet::Value(Some(20)), 30),
        done(2, KvOp::Delete { key: 1 }, 20, KvRet::Done, 30),
        done(3, KvOp::Get { key: 1 }, 40, KvRet::Value(Some(10)), 50),
    ])
    .unwrap();
    let c = counterexample(check(&h, Kv::default()));
    assert_eq!(c.partition, Some(PartitionKey::Number(1)));
    assert_eq!(c.ids, vec![OpId(0), OpId(3), OpId(4)]);
    let text = c.to_string();
    assert!(text.contains("(partition 1)"), "{text}");
    assert!(
        text.contains("#4 client 3 0.000000040s Get { key: 1 } .. 0.000000050s -> Value(Some(10))"),
        "{text}"
    );
}

#[test]
fn a_small_budget_gives_up_and_says_so() {
    let v = reg(vec![write(1, 1, 0, 10), read(2, 1, 20, 30)]);
    let v2 = Checker::new().steps_max(1).check(
        &History::from_ops(vec![write(1, 1, 0, 10), read(2, 1, 20, 30)]).unwrap(),
        Register(0),
    );
    assert!(v.is_linearizable());
    assert!(matches!(
        v2,
        Verdict::GaveUp {
            limit: Limit::Steps,
            steps: 1,
            partition: None,
            ..
        }
    ));
    assert!(v2.to_string().contains("gave up after 1 search steps"));
}

#[test]
fn the_recorder_builds_the_history_in_call_order() {
    let mut r = HistoryBuilder::new();
    let a = r.invoke(7, RegOp::Write(1), 5);
    let b = r.invoke(8, RegOp::Read, 6);
    let c = r.invoke(9, RegOp::Read, 7);
    r.ok(b, Some(1), 9).unwrap();
    r.unknown(a).unwrap();
    let h = r.finish();
    assert_eq!(h.len(), 3);
    assert_eq!(h.get(a), Some(&lost(7, RegOp::Write(1), 5)));
    assert_eq!(h.get(b), Some(&read(8, 1, 6, 9)));
    // Still open at the end: unknown.
    assert_eq!(h.get(c).unwrap().outcome, Outcome::Unknown);
}

#[test]
fn the_recorder_refuses_bad_input() {
    let mut r = HistoryBuilder::<RegOp, Option<u64>>::new();
    let a = r.invoke(1, RegOp::Read, 50);
    assert_eq!(
        r.ok(a, Some(0), 40),
        Err(HistoryError::ReturnBeforeCall {
            id: a,
            call_ns: 50,
            return_ns: 40
        })
    );
    r.ok(a, Some(0), 60).unwrap();
    assert_eq!(r.ok(a, Some(0), 70), Err(HistoryError::CompletedTwice(a)));
    assert_eq!(r.unknown(a), Err(HistoryError::CompletedTwice(a)));
    assert_eq!(r.unknown(OpId(3)), Err(HistoryError::NoSuchOp(OpId(3))));
    let err = r.ok(OpId(9), None, 1).unwrap_err();
    assert_eq!(err.to_string(), "operation #9 was never invoked");
}

#[test]
fn a_history_from_elsewhere_is_validated() {
    let err = History::from_ops(vec![read(1, 0, 0, 10), read(1, 0, 30, 20)]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "operation #1 returned at 20 ns, before its call at 30 ns"
    );
}

/// The time spans of a generated history, in nanoseconds: each is the
/// exclusive top of a uniform draw.
#[derive(Clone, Copy)]
struct Spans {
    /// A client's first call.
    start: u64,
    /// A client's pause between a return and its next call.
    gap: u64,
    /// From a call to the instant it takes effect.
    effect: u64,
    /// From that instant to the return.
    reply: u64,
}

/// A history that is linearizable by construction: clients call one
/// operation at a time (`op` draws each), each takes effect at a random
/// instant between its call and its return, and the return values come
/// from applying them to the model in the order of those instants. One
/// operation in `unknown_one_in` (none if 0) ends with an unknown outcome,
/// having taken effect or not.
fn generated<M: Model>(
    seed: u64,
    n: usize,
    clients: u64,
    spans: Spans,
    unknown_one_in: u32,
    init: M,
    mut op: impl FnMut(&mut ChaCha8Rng, usize) -> M::Op,
) -> History<M::Op, M::Ret> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut free_ns: Vec<u64> = (0..clients)
        .map(|_| rng.gen_range(0..spans.start))
        .collect();
    // (effect time, index, fate, operation)
    let mut planned = Vec::with_capacity(n);
    for i in 0..n {
        let client = rng.gen_range(0..clients);
        let call_ns = free_ns[client as usize] + rng.gen_range(0..spans.gap);
        let effect_ns = call_ns + rng.gen_range(0..spans.effect);
        let return_ns = effect_ns + rng.gen_range(0..spans.reply);
        free_ns[client as usize] = return_ns + 1;
        let op = op(&mut rng, i);
        // 0: lost before taking effect, 1: reply lost, else returned.
        let fate = match unknown_one_in {
            0 => 2,
            _ => rng.gen_range(0..unknown_one_in * 2),
        };
        let o = lost(client, op, call_ns);
        planned.push((effect_ns, i, fate, return_ns, o));
    }
    planned.sort_by_key(|p| (p.0, p.1));
    let mut state = init;
    let mut ops = Vec::with_capacity(n);
    for (_, i, fate, return_ns, mut o) in planned {
        if fate != 0 {
            let (next, ret) = state.step(&o.op);
            state = next;
            if fate != 1 {
                o.outcome = Outcome::Returned { ret, return_ns };
            }
        }
        ops.push((i, o));
    }
    ops.sort_by_key(|p| p.0);
    History::from_ops(ops.into_iter().map(|p| p.1).collect()).unwrap()
}

/// A generated history of gets, puts and deletes on `keys` numeric keys.
fn random_kv_history(
    seed: u64,
    n: usize,
    clients: u64,
    keys: u64,
    unknown_one_in: u32,
) -> History<KvOp, KvRet> {
    let spans = Spans {
        start: 10,
        gap: 5,
        effect: 20,
        reply: 20,
    };
    generated(
        seed,
        n,
        clients,
        spans,
        unknown_one_in,
        Kv::default(),
        |rng, i| {
            let key = rng.gen_range(0..keys);
            match rng.gen_range(0..10) {
                0..5 => KvOp::Get { key },
                5..9 => KvOp::Put {
                    key,
                    value: i as u64,
                },
                _ => KvOp::Delete { key },
            }
        },
    )
}

#[test]
fn a_long_generated_kv_history_is_linearizable() {
    let h = random_kv_history(7, 10_000, 8, 50, 20);
    assert_eq!(check(&h, Kv::default()), Verdict::Linearizable);
}

#[test]
fn a_stale_read_in_a_long_history_is_reported_in_a_small_window() {
    // Unknown outcomes multiply the orders to rule out, so one key gets none.
    for (keys, unknown_one_in) in [(1, 0), (50, 20)] {
        let mut h = random_kv_history(11, 1000, 8, keys, unknown_one_in)
            .ops()
            .to_vec();
        // Two puts to one key in real-time order in the middle, then a read
        // of the first after the second returned.
        let (p1, p2) = (500..1000)
            .flat_map(|a| (a + 1..1000).map(move |b| (a, b)))
            .find(|&(a, b)| {
                let (x, y) = (&h[a], &h[b]);
                matches!(x.op, KvOp::Put { .. })
                    && matches!(y.op, KvOp::Put { .. })
                    && x.op.key() == y.op.key()
                    && x.return_ns().is_some_and(|r| r < y.call_ns)
                    && y.return_ns().is_some()
            })
            .unwrap();
        let KvOp::Put { key, value } = h[p1].op else {
            unreachable!()
        };
        let t = h[p2].return_ns().unwrap() + 1;
        h.push(done(
            99,
            KvOp::Get { key },
            t,
            KvRet::Value(Some(value)),
            t + 1,
        ));
        let stale = OpId(h.len() - 1);
        let c = counterexample(check(&History::from_ops(h).unwrap(), Kv::default()));
        assert!(c.window.len() <= 4, "keys {keys}: {c}");
        assert!(c.ids.contains(&stale), "keys {keys}: {c}");
        // The read's value is explained by the put that wrote it.
        assert!(c.ids.contains(&OpId(p1)), "keys {keys}: {c}");
        assert!(c.minimal);
        assert_eq!(c.partition, Some(PartitionKey::Number(key)));
    }
}

#[test]
fn the_verdict_is_the_same_every_time() {
    let mut h = random_kv_history(3, 300, 4, 3, 20).ops().to_vec();
    h.push(done(
        9,
        KvOp::Get { key: 0 },
        5,
        KvRet::Value(Some(12_345)),
        6,
    ));
    let h = History::from_ops(h).unwrap();
    let first = check(&h, Kv::default());
    assert!(!first.is_linearizable());
    assert_eq!(check(&h, Kv::default()), first);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_histories_are_linearizable(
        seed in any::<u64>(), n in 0usize..200, clients in 1u64..8, keys in 1u64..4,
    ) {
        let h = random_kv_history(seed, n, clients, keys, 10);
        prop_assert_eq!(check(&h, Kv::default()), Verdict::Linearizable);
    }

    #[test]
    fn a_reported_window_fails_alone(
        seed in any::<u64>(), n in 1usize..120, clients in 1u64..6, keys in 1u64..3,
        pick in any::<prop::sample::Index>(), value in 0u64..200,
    ) {
        let mut ops = random_kv_history(seed, n, clients, keys, 10).ops().to_vec();
        let reads: Vec<usize> = (0..ops.len())
            .filter(|&i| matches!(ops[i].op, KvOp::Get { .. }) && ops[i].ret().is_some())
            .collect();
        prop_assume!(!reads.is_empty());
        let i = reads[pick.index(reads.len())];
        let return_ns = ops[i].return_ns().unwrap();
        ops[i].outcome = Outcome::Returned { ret: KvRet::Value(Some(value)), return_ns };
        let h = History::from_ops(ops).unwrap();
        if let Verdict::NotLinearizable(c) = check(&h, Kv::default()) {
            for (id, o) in c.ids.iter().zip(c.window.ops()) {
                prop_assert_eq!(h.get(*id), Some(o));
            }
            prop_assert!(!check(&c.window, Kv::default()).is_linearizable());
        }
    }
}
