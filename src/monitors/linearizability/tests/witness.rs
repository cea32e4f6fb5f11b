//! The witness of a linearizable verdict: one order of the operations that
//! agrees with the model and with real time.

use super::*;

/// Panics unless `order` is a linearization of `h` from `init`: every
/// operation that returned is in it once, no withdrawn one is, replaying
/// it through the model gives every recorded value, and an operation that
/// returned before another was invoked comes first.
fn assert_witness<M: Model>(h: &History<M::Op, M::Ret>, init: M, order: &[OpId]) {
    let mut seen = vec![false; h.len()];
    let mut state = init;
    for (at, &id) in order.iter().enumerate() {
        let o = h.get(id).expect("an operation of the history");
        assert!(!seen[id.0], "{id} twice");
        seen[id.0] = true;
        assert_ne!(o.outcome, Outcome::Withdrawn, "{id} was withdrawn");
        let (next, ret) = state.step(&o.op);
        if let Some(want) = o.ret() {
            assert_eq!(&ret, want, "{id} at position {at}");
        }
        state = next;
        for &later in &order[at + 1..] {
            let l = h.get(later).unwrap();
            assert!(
                l.return_ns().is_none_or(|t| t >= o.call_ns),
                "{later} returned before {id} was invoked but comes after it"
            );
        }
    }
    for (i, o) in h.ops().iter().enumerate() {
        if o.return_ns().is_some() {
            assert!(seen[i], "#{i} returned but is not in the order");
        }
    }
}

#[test]
fn a_linearizable_history_comes_with_its_order() {
    // The read concurrent with the write saw it, so the write goes first
    // although it was invoked later.
    let h = History::from_ops(vec![read(2, 7, 0, 30), write(1, 7, 10, 20)]).unwrap();
    let order = Checker::new().linearization(&h, Register(0)).unwrap();
    assert_eq!(order, vec![OpId(1), OpId(0)]);
    assert_witness(&h, Register(0), &order);
}

#[test]
fn the_order_holds_the_unknown_calls_that_took_effect() {
    // The read saw the first unknown write; the second need not happen.
    let h = History::from_ops(vec![
        lost(1, RegOp::Write(1), 0),
        read(2, 1, 20, 30),
        lost(3, RegOp::Write(2), 40),
    ])
    .unwrap();
    let order = Checker::new().linearization(&h, Register(0)).unwrap();
    assert_eq!(order, vec![OpId(0), OpId(1)]);
}

#[test]
fn a_history_that_is_not_linearizable_has_no_order() {
    let h = History::from_ops(vec![write(1, 1, 0, 10), read(2, 0, 20, 30)]).unwrap();
    let err = Checker::new().linearization(&h, Register(0)).unwrap_err();
    assert!(matches!(err, Verdict::NotLinearizable(_)), "{err}");
}

#[test]
fn the_parts_orders_merge_into_one_that_respects_real_time() {
    let h = random_kv_history(5, 2_000, 8, 20, 10);
    let order = Checker::new().linearization(&h, Kv::default()).unwrap();
    assert_witness(&h, Kv::default(), &order);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_generated_history_has_a_valid_witness(
        seed in any::<u64>(), n in 0usize..150, clients in 1u64..8, keys in 1u64..4,
    ) {
        let h = random_kv_history(seed, n, clients, keys, 10);
        let order = Checker::new().linearization(&h, Kv::default());
        prop_assert!(order.is_ok(), "{:?}", order);
        assert_witness(&h, Kv::default(), &order.unwrap());
    }
}
