//! Jepsen-style histories, written the way Jepsen logs them (a process, a
//! type — invoke, ok, info, fail — a function and its values), checked
//! against the text key-value model: registers with read, write and
//! compare-and-set as one key, and multi-key stores with get, put and
//! append.

use std::collections::BTreeMap;

use super::super::text_kv_model::{TextKv, TextKvOp, TextKvRet};
use super::*;

/// The history a Jepsen-style log describes, one event a line, ten
/// nanoseconds apart: `<process> invoke|ok|info|fail <f> [args]`. Register
/// functions (`read`, `write v`, `cas from to`) act on the key `r`; store
/// functions name their key (`get k`, `put k v`, `append k v`). An `ok`
/// read gives the value read (`nil`: absent); `info` is an unknown
/// outcome, `fail` a withdrawn call.
fn jepsen(log: &str) -> History<TextKvOp, TextKvRet> {
    let mut b = HistoryBuilder::new();
    let mut open: BTreeMap<u64, OpId> = BTreeMap::new();
    for (line, text) in log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let t = line as u64 * 10;
        let w: Vec<&str> = text.split_whitespace().collect();
        let process: u64 = w[0].parse().expect("a process number");
        let value = |s: &str| (s != "nil").then(|| s.to_string());
        match w[1] {
            "invoke" => {
                let op = match (w[2], &w[3..]) {
                    ("read", []) => TextKvOp::get("r"),
                    ("write", [v]) => TextKvOp::put("r", *v),
                    ("cas", [from, to]) => TextKvOp::Cas {
                        key: "r".into(),
                        from: value(from),
                        to: to.to_string(),
                    },
                    ("get", [k]) => TextKvOp::get(*k),
                    ("put", [k, v]) => TextKvOp::put(*k, *v),
                    ("append", [k, v]) => TextKvOp::append(*k, *v),
                    _ => panic!("line {line}: {text}"),
                };
                open.insert(process, b.invoke(process, op, t));
            }
            end => {
                let id = open.remove(&process).expect("an open call");
                match (end, w[2]) {
                    ("ok", "read") => b.ok(id, TextKvRet::Value(value(w[3])), t),
                    ("ok", "get") => b.ok(id, TextKvRet::Value(value(w[4])), t),
                    ("ok", "cas") => b.ok(id, TextKvRet::Swapped(true), t),
                    ("ok", _) => b.ok(id, TextKvRet::Done, t),
                    ("info", _) => b.unknown(id),
                    ("fail", _) => b.withdraw(id),
                    _ => panic!("line {line}: {text}"),
                }
                .unwrap();
            }
        }
    }
    b.finish()
}

/// A register history with an indeterminate write and a failed
/// compare-and-set; `last` is what the final read returned.
fn register_log(last: &str) -> String {
    format!(
        "0 invoke write 1
         0 ok write 1
         1 invoke cas 1 2
         2 invoke read
         1 ok cas 1 2
         2 ok read 2
         3 invoke write 4
         3 info write 4
         4 invoke read
         4 ok read 4
         0 invoke cas 2 5
         0 fail cas 2 5
         1 invoke read
         1 ok read {last}"
    )
}

#[test]
fn a_register_history_with_info_and_fail_is_linearizable() {
    let h = jepsen(&register_log("4"));
    let order = Checker::new().linearization(&h, TextKv::default()).unwrap();
    // The indeterminate write took effect (a read saw 4); the failed
    // compare-and-set did not.
    assert_eq!(
        order.iter().map(|id| id.0).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4, 6]
    );
}

#[test]
fn a_register_read_going_back_is_caught_with_its_key() {
    let c = counterexample(check(&jepsen(&register_log("2")), TextKv::default()));
    assert_eq!(c.partition, Some(PartitionKey::from("r")));
    // The stale read, the read that saw 4, the write that explains it, and
    // the writes that explain the 2 the stale read saw.
    assert_eq!(c.ids, vec![OpId(0), OpId(1), OpId(3), OpId(4), OpId(6)]);
    assert!(c.to_string().contains("(partition \"r\")"), "{c}");
}

#[test]
fn a_failed_call_cannot_explain_a_read_but_an_indeterminate_one_can() {
    let log = |end: &str| {
        format!(
            "0 invoke write 1
             0 ok write 1
             1 invoke cas 1 6
             1 {end} cas 1 6
             2 invoke read
             2 ok read 6"
        )
    };
    assert!(check(&jepsen(&log("info")), TextKv::default()).is_linearizable());
    let c = counterexample(check(&jepsen(&log("fail")), TextKv::default()));
    assert_eq!(c.ids, vec![OpId(2)]);
}

/// Two keys: a put and an append racing on `a`, then an append on `b`.
fn store_log(a_read: &str) -> String {
    format!(
        "0 invoke put a x
         1 invoke append a y
         0 ok put a x
         1 ok append a y
         2 invoke get a
         2 ok get a {a_read}
         3 invoke append b z
         3 ok append b z
         4 invoke get b
         4 ok get b z"
    )
}

#[test]
fn racing_put_and_append_may_land_in_either_order() {
    for seen in ["xy", "x"] {
        let h = jepsen(&store_log(seen));
        assert!(
            check(&h, TextKv::default()).is_linearizable(),
            "read {seen}"
        );
    }
}

#[test]
fn an_append_lost_under_a_put_is_caught_on_its_key() {
    let c = counterexample(check(&jepsen(&store_log("yx")), TextKv::default()));
    assert_eq!(c.partition, Some(PartitionKey::from("a")));
}

#[test]
fn a_store_that_reads_absent_as_empty_checks_such_histories() {
    let log = "0 invoke get k
               0 ok get k 
               1 invoke append k q
               1 ok append k q";
    let log = log.replace("ok get k \n", "ok get k nil\n");
    let h = jepsen(&log);
    assert!(check(&h, TextKv::default()).is_linearizable());
    // Read as "": wrong for a store that tells absent from empty, right
    // for one that does not.
    let mut ops = h.ops().to_vec();
    ops[0].outcome = Outcome::Returned {
        ret: TextKvRet::value(""),
        return_ns: 10,
    };
    let h = History::from_ops(ops).unwrap();
    assert!(!check(&h, TextKv::default()).is_linearizable());
    assert!(check(&h, TextKv::default().absent_reads_empty()).is_linearizable());
}

/// A store history of `clients` clients appending unique tokens to and
/// reading `keys` keys, linearizable by construction.
fn many_client_history(
    seed: u64,
    n: usize,
    clients: u64,
    keys: u64,
) -> Vec<Operation<TextKvOp, TextKvRet>> {
    let spans = Spans {
        start: 1,
        gap: 50,
        effect: 100,
        reply: 100,
    };
    let h = generated(seed, n, clients, spans, 0, TextKv::default(), |rng, i| {
        let key = format!("k{}", rng.gen_range(0..keys));
        if rng.gen_bool(0.5) {
            TextKvOp::get(key)
        } else {
            TextKvOp::append(key, format!("{i},"))
        }
    });
    h.ops().to_vec()
}

#[test]
fn a_fifty_client_history_with_a_lost_append_is_decided_on_its_key() {
    let mut ops = many_client_history(21, 2_000, 50, 20);
    let h = History::from_ops(ops.clone()).unwrap();
    if let Err(v) = Checker::new().linearization(&h, TextKv::default()) {
        panic!("{v}");
    }
    // A read just after the first append to k5 returned that misses it.
    let first = ops
        .iter()
        .filter(|o| matches!(&o.op, TextKvOp::Append { key, .. } if key == "k5"))
        .filter_map(|o| o.return_ns())
        .min()
        .unwrap();
    ops.push(done(
        50,
        TextKvOp::get("k5"),
        first + 1,
        TextKvRet::Value(None),
        first + 2,
    ));
    let h = History::from_ops(ops).unwrap();
    let c = counterexample(check(&h, TextKv::default()));
    assert_eq!(c.partition, Some(PartitionKey::from("k5")));
    assert!(c.ids.contains(&OpId(h.len() - 1)), "{c}");
    // Deciding alone names the same key, without the window.
    let quick = counterexample(Checker::new().verdict_only().check(&h, TextKv::default()));
    assert_eq!(quick.partition, c.partition);
}

/// A call to the text store on one of `keys` keys, numbered `i`.
fn text_op(rng: &mut ChaCha8Rng, i: usize, keys: u64) -> TextKvOp {
    let key = format!("k{}", rng.gen_range(0..keys));
    match rng.gen_range(0..10) {
        0..4 => TextKvOp::get(key),
        4..6 => TextKvOp::append(key, format!("{i},")),
        6..8 => TextKvOp::put(key, format!("{i}")),
        8 => TextKvOp::Cas {
            key,
            from: Some(format!("{}", i.saturating_sub(2))),
            to: format!("{i}"),
        },
        _ => TextKvOp::Delete { key },
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn generated_text_histories_are_linearizable_even_with_values_forgotten(
        seed in any::<u64>(), n in 0usize..150, clients in 1u64..8, keys in 1u64..4,
        forget in prop::collection::vec(any::<bool>(), 150),
    ) {
        let spans = Spans { start: 10, gap: 5, effect: 20, reply: 20 };
        let h = generated(seed, n, clients, spans, 10, TextKv::default(), |rng, i| {
            text_op(rng, i, keys)
        });
        // Forgetting a value only weakens what the history claims.
        let ops = h
            .ops()
            .iter()
            .zip(&forget)
            .map(|(o, &forget)| match o.outcome {
                Outcome::Returned { return_ns, .. } if forget => Operation {
                    outcome: Outcome::ValueUnknown { return_ns },
                    ..o.clone()
                },
                _ => o.clone(),
            })
            .collect();
        let h = History::from_ops(ops).unwrap();
        let order = Checker::new().linearization(&h, TextKv::default());
        prop_assert!(order.is_ok(), "{:?}", order);
    }
}
