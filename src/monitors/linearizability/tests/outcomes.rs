//! The outcomes a history recorded elsewhere needs beyond "returned" and
//! "unknown": a call withdrawn (known not to have happened) and a call that
//! returned a value nobody kept.

use super::*;

/// A write that is known not to have happened.
fn withdrawn(client: u64, v: u64, call_ns: u64) -> Operation<RegOp, Option<u64>> {
    Operation {
        client,
        op: RegOp::Write(v),
        call_ns,
        outcome: Outcome::Withdrawn,
    }
}

/// An operation that returned at `return_ns`, value not kept.
fn unseen(client: u64, op: RegOp, call_ns: u64, return_ns: u64) -> Operation<RegOp, Option<u64>> {
    Operation {
        client,
        op,
        call_ns,
        outcome: Outcome::ValueUnknown { return_ns },
    }
}

#[test]
fn a_withdrawn_write_never_took_effect() {
    // Unknown, the write may explain the read; withdrawn, it may not.
    assert!(reg(vec![lost(1, RegOp::Write(1), 0), read(2, 1, 20, 30)]).is_linearizable());
    let c = counterexample(reg(vec![withdrawn(1, 1, 0), read(2, 1, 20, 30)]));
    // The report keeps the history's ids and never shows the withdrawn call.
    assert_eq!(c.ids, vec![OpId(1)]);
    assert!(!c.to_string().contains("Write"), "{c}");
}

#[test]
fn a_withdrawn_call_is_left_out_of_every_part() {
    let h = History::from_ops(vec![
        Operation {
            client: 1,
            op: KvOp::Put { key: 3, value: 9 },
            call_ns: 0,
            outcome: Outcome::Withdrawn,
        },
        done(2, KvOp::Get { key: 3 }, 10, KvRet::Value(None), 20),
    ])
    .unwrap();
    assert_eq!(
        Checker::new().linearization(&h, Kv::default()),
        Ok(vec![OpId(1)])
    );
}

#[test]
fn a_call_that_returned_took_effect_even_if_its_value_is_unknown() {
    // Unknown: the write may never have happened, so the read may see 0.
    assert!(reg(vec![lost(1, RegOp::Write(1), 0), read(2, 0, 20, 30)]).is_linearizable());
    // Returned with its value lost: it happened by t=10, the read must see it.
    let c = counterexample(reg(vec![
        unseen(1, RegOp::Write(1), 0, 10),
        read(2, 0, 20, 30),
    ]));
    assert_eq!(c.ids, vec![OpId(0), OpId(1)]);
    assert!(c.to_string().contains("0.000000010s -> ?"), "{c}");
}

#[test]
fn a_call_whose_value_is_unknown_accepts_any_value() {
    let v = reg(vec![
        write(1, 4, 0, 10),
        unseen(2, RegOp::Read, 20, 30),
        read(3, 4, 40, 50),
    ]);
    assert!(v.is_linearizable());
}

#[test]
fn the_builder_records_every_outcome_and_keeps_ids() {
    let mut b = HistoryBuilder::new();
    let w = b.invoke(1, RegOp::Write(1), 0);
    let x = b.invoke(2, RegOp::Write(2), 0);
    let r = b.invoke(3, RegOp::Read, 5);
    b.withdraw(w).unwrap();
    b.ok_value_unknown(x, 10).unwrap();
    b.ok(r, Some(2), 12).unwrap();
    let h = b.finish();
    assert_eq!(h.get(w).unwrap().outcome, Outcome::Withdrawn);
    assert_eq!(
        h.get(x).unwrap().outcome,
        Outcome::ValueUnknown { return_ns: 10 }
    );
    assert_eq!(h.get(x).unwrap().return_ns(), Some(10));
    assert_eq!(h.get(x).unwrap().ret(), None);
    assert_eq!(
        Checker::new().linearization(&h, Register(0)),
        Ok(vec![x, r])
    );
}

#[test]
fn the_builder_refuses_bad_endings() {
    let mut b = HistoryBuilder::<RegOp, Option<u64>>::new();
    let a = b.invoke(1, RegOp::Read, 50);
    assert_eq!(
        b.ok_value_unknown(a, 40),
        Err(HistoryError::ReturnBeforeCall {
            id: a,
            call_ns: 50,
            return_ns: 40
        })
    );
    b.withdraw(a).unwrap();
    assert_eq!(b.withdraw(a), Err(HistoryError::CompletedTwice(a)));
    assert_eq!(
        b.ok_value_unknown(a, 60),
        Err(HistoryError::CompletedTwice(a))
    );
    assert_eq!(b.withdraw(OpId(4)), Err(HistoryError::NoSuchOp(OpId(4))));
    let h = History::from_ops(vec![unseen(1, RegOp::Read, 30, 20)]);
    assert!(matches!(h, Err(HistoryError::ReturnBeforeCall { .. })));
}

/// A register split by the older, numeric `Model::partition`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct OldStyle(Kv);

#[allow(deprecated)]
impl Model for OldStyle {
    type Op = KvOp;
    type Ret = KvRet;
    fn step(&self, op: &KvOp) -> (Self, KvRet) {
        let (next, ret) = self.0.step(op);
        (OldStyle(next), ret)
    }
    fn partition(op: &KvOp) -> Option<u64> {
        Some(op.key())
    }
}

#[test]
fn a_model_with_the_older_numeric_partition_is_still_split_by_key() {
    let h = History::from_ops(vec![
        done(1, KvOp::Put { key: 4, value: 1 }, 0, KvRet::Done, 10),
        done(2, KvOp::Get { key: 4 }, 20, KvRet::Value(None), 30),
    ])
    .unwrap();
    let c = counterexample(check(&h, OldStyle(Kv::default())));
    assert_eq!(c.partition, Some(PartitionKey::Number(4)));
}
