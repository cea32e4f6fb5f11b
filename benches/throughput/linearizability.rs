//! Throughput of the linearizability checker: operations checked per wall
//! second on key-value histories that are linearizable by construction.
//!
//! A history: [`CLIENTS`] clients, each calling one operation at a time
//! (half puts, half gets) on one of [`KEYS`] keys; every call takes effect
//! at a random instant inside its interval, and the return values come from
//! applying the calls to the model in the order of those instants, so the
//! intervals of different clients overlap and the checker must find that
//! order. Seeded with rand_chacha, the same histories on every run.

use std::time::{Duration, Instant};

use super::figures::figure;
use dosim::monitors::linearizability::kv_model::{Kv, KvOp, KvRet};
use dosim::monitors::linearizability::{
    check, History, Model, Operation, Outcome, PartitionKey, Verdict,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Clients calling at once.
const CLIENTS: u64 = 8;
/// Keys the calls spread over.
const KEYS: u64 = 50;
/// Repetitions of each measurement; the median is reported.
const REPEATS: usize = 3;
/// Each repetition checks the history again until this much time passed.
const REPEAT_WALL: Duration = Duration::from_millis(200);

/// The figures, by name.
pub fn figures() -> Vec<(&'static str, f64)> {
    vec![
        (
            "linearizability_ops_per_s_1k",
            ops_per_s("linearizability_ops_per_s_1k", &history(1, 1_000)),
        ),
        (
            "linearizability_ops_per_s_10k",
            ops_per_s("linearizability_ops_per_s_10k", &history(2, 10_000)),
        ),
        ("linearizability_hard_key_ms", hard_key_ms()),
    ]
}

/// Median over [`REPEATS`] of the wall milliseconds the checker takes to
/// call a history not linearizable when, beside 1 000 linearizable
/// operations, key 0 is hard (12 concurrent puts and 12 concurrent reads
/// that saw them in the opposite order: linearizable, but only one order
/// of 24 operations shows it) and the last key lost an acknowledged put.
fn hard_key_ms() -> f64 {
    let mut ops: Vec<Operation<KvOp, KvRet>> = history(3, 1_000)
        .ops()
        .iter()
        .filter(|o| o.op.key() != 0)
        .cloned()
        .collect();
    let done = |client, op, call_ns, ret, return_ns| Operation {
        client,
        op,
        call_ns,
        outcome: Outcome::Returned { ret, return_ns },
    };
    for v in 1..=12u64 {
        ops.push(done(
            100 + v,
            KvOp::Put { key: 0, value: v },
            0,
            KvRet::Done,
            1_000,
        ));
        let seen = KvRet::Value(Some(13 - v));
        ops.push(done(200 + v, KvOp::Get { key: 0 }, 0, seen, 1_000));
    }
    let lost = KEYS;
    ops.push(done(
        300,
        KvOp::Put {
            key: lost,
            value: 5,
        },
        0,
        KvRet::Done,
        10,
    ));
    ops.push(done(
        301,
        KvOp::Get { key: lost },
        20,
        KvRet::Value(None),
        30,
    ));
    let h = History::from_ops(ops).expect("valid history");
    let ms: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let started = Instant::now();
            match check(&h, Kv::default()) {
                Verdict::NotLinearizable(c) => {
                    assert_eq!(c.partition, Some(PartitionKey::Number(lost)))
                }
                other => panic!("expected key {lost} not linearizable: {other}"),
            }
            started.elapsed().as_secs_f64() * 1_000.0
        })
        .collect();
    figure("linearizability_hard_key_ms", &ms)
}

/// A linearizable history of `n` operations.
fn history(seed: u64, n: usize) -> History<KvOp, KvRet> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut free_ns: Vec<u64> = (0..CLIENTS).map(|_| rng.gen_range(0..1_000)).collect();
    // (effect time, index, operation)
    let mut planned = Vec::with_capacity(n);
    for i in 0..n {
        let client = rng.gen_range(0..CLIENTS);
        let call_ns = free_ns[client as usize] + rng.gen_range(0..500);
        let effect_ns = call_ns + rng.gen_range(0..2_000);
        let return_ns = effect_ns + rng.gen_range(0..2_000);
        free_ns[client as usize] = return_ns + 1;
        let key = rng.gen_range(0..KEYS);
        let op = if rng.gen_bool(0.5) {
            KvOp::Get { key }
        } else {
            KvOp::Put {
                key,
                value: i as u64,
            }
        };
        let o = Operation {
            client,
            op,
            call_ns,
            outcome: Outcome::Returned {
                ret: KvRet::Done,
                return_ns,
            },
        };
        planned.push((effect_ns, i, o));
    }
    planned.sort_by_key(|p| (p.0, p.1));
    let mut state = Kv::default();
    for (_, _, o) in &mut planned {
        let (next, ret) = state.step(&o.op);
        state = next;
        if let Outcome::Returned { ret: r, .. } = &mut o.outcome {
            *r = ret;
        }
    }
    planned.sort_by_key(|p| p.1);
    History::from_ops(planned.into_iter().map(|p| p.2).collect()).expect("valid history")
}

/// Median over [`REPEATS`] of operations checked per wall second.
fn ops_per_s(name: &str, h: &History<KvOp, KvRet>) -> f64 {
    let rates: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let started = Instant::now();
            let mut checked = 0usize;
            while checked == 0 || started.elapsed() < REPEAT_WALL {
                let verdict = check(h, Kv::default());
                assert_eq!(verdict, Verdict::Linearizable, "{verdict}");
                checked += h.len();
            }
            checked as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    figure(name, &rates)
}
