//! The core monitors, which every run needs, walked together: one walk
//! over the trace feeds each of their passes (see `pass.rs` for why), and
//! tests on the way which gated monitors have events to read.
//!
//! The passes are fields of one struct, not boxed trait objects, so that
//! feeding an entry to them is inlined code: a walk costs fewer
//! instructions than the seven separate walks it replaces, not more. And
//! which passes read an entry, and which gated monitors it concerns,
//! depends on its kind alone, so the walk works that out once per kind
//! (from the first entry of the kind) and then only tests a bit per pass.

use super::alarm::AlarmPass;
use super::durability::Durability;
use super::e_order::EOrder;
use super::input_gate::InputGate;
use super::liveness::Liveness;
use super::output_gate::OutputGate;
use super::pass::Pass;
use super::single_instance::SingleInstance;
use super::{Violation, ALL, GATED};
use crate::trace::{TraceEntry, What};

/// The names of the core monitors, in the order the walk feeds them.
pub(super) const NAMES: [&str; 7] = [
    super::single_instance::NAME,
    super::e_order::NAME,
    super::input_gate::NAME,
    super::output_gate::NAME,
    super::durability::NAME,
    super::liveness::NAME,
    super::alarm::NAME,
];

/// One core monitor's pass while it still walks: its place in [`ALL`], and
/// the pass (`None` once it found its violation, or if left out).
struct Slot<P> {
    order: usize,
    pass: Option<P>,
}

impl<P: Pass> Slot<P> {
    fn new(name: &str, trace: &[TraceEntry], include: &impl Fn(&str) -> bool) -> Slot<P> {
        let order = ALL.iter().position(|(n, _)| *n == name);
        debug_assert!(order.is_some(), "every core monitor is in ALL: {name}");
        Slot {
            order: order.unwrap_or(usize::MAX),
            pass: include(name).then(|| P::new(trace)),
        }
    }

    /// Feeds entry `i`, of a kind the pass reads; a violation goes to
    /// `found` and ends the pass.
    #[inline]
    fn step(&mut self, i: usize, e: &TraceEntry, found: &mut Vec<(usize, Violation)>) {
        let Some(pass) = &mut self.pass else { return };
        debug_assert!(
            P::reads(&e.what),
            "invariant reads-by-kind: fed an entry it does not read"
        );
        if let Some(v) = pass.step(i, e) {
            found.push((self.order, v));
            self.pass = None;
        }
    }

    /// The trace ended: the pass's end-of-trace verdict, if it still walks.
    fn end(&mut self, trace: &[TraceEntry], found: &mut Vec<(usize, Violation)>) {
        if let Some(v) = self.pass.take().and_then(|mut p| p.end(trace)) {
            found.push((self.order, v));
        }
    }

    fn walking(&self) -> bool {
        self.pass.is_some()
    }
}

/// The seven passes.
struct Core {
    single_instance: Slot<SingleInstance>,
    e_order: Slot<EOrder>,
    input_gate: Slot<InputGate>,
    output_gate: Slot<OutputGate>,
    durability: Slot<Durability>,
    liveness: Slot<Liveness>,
    alarm: Slot<AlarmPass>,
}

impl Core {
    fn new(trace: &[TraceEntry], include: &impl Fn(&str) -> bool) -> Core {
        Core {
            single_instance: Slot::new(NAMES[0], trace, include),
            e_order: Slot::new(NAMES[1], trace, include),
            input_gate: Slot::new(NAMES[2], trace, include),
            output_gate: Slot::new(NAMES[3], trace, include),
            durability: Slot::new(NAMES[4], trace, include),
            liveness: Slot::new(NAMES[5], trace, include),
            alarm: Slot::new(NAMES[6], trace, include),
        }
    }

    /// Bit `b` set: the `b`-th pass (in [`NAMES`] order) reads `what`.
    fn readers(what: &What) -> u8 {
        [
            SingleInstance::reads(what),
            EOrder::reads(what),
            InputGate::reads(what),
            OutputGate::reads(what),
            Durability::reads(what),
            Liveness::reads(what),
            AlarmPass::reads(what),
        ]
        .iter()
        .enumerate()
        .fold(0, |mask, (b, reads)| mask | u8::from(*reads) << b)
    }

    /// Feeds entry `i` to the passes whose bits `readers` sets.
    fn step(&mut self, i: usize, e: &TraceEntry, readers: u8, found: &mut Vec<(usize, Violation)>) {
        let read = |b: u8| readers & 1 << b != 0;
        if read(0) {
            self.single_instance.step(i, e, found);
        }
        if read(1) {
            self.e_order.step(i, e, found);
        }
        if read(2) {
            self.input_gate.step(i, e, found);
        }
        if read(3) {
            self.output_gate.step(i, e, found);
        }
        if read(4) {
            self.durability.step(i, e, found);
        }
        if read(5) {
            self.liveness.step(i, e, found);
        }
        if read(6) {
            self.alarm.step(i, e, found);
        }
    }

    fn end(&mut self, trace: &[TraceEntry], found: &mut Vec<(usize, Violation)>) {
        self.single_instance.end(trace, found);
        self.e_order.end(trace, found);
        self.input_gate.end(trace, found);
        self.output_gate.end(trace, found);
        self.durability.end(trace, found);
        self.liveness.end(trace, found);
        self.alarm.end(trace, found);
    }

    fn walking(&self) -> bool {
        self.single_instance.walking()
            || self.e_order.walking()
            || self.input_gate.walking()
            || self.output_gate.walking()
            || self.durability.walking()
            || self.liveness.walking()
            || self.alarm.walking()
    }
}

/// One walk over `trace`: the included core monitors' passes, each until
/// its first violation, and the test of which gated monitors have events
/// of theirs. Returns the violations found, each with its monitor's place
/// in [`ALL`], and the included gated monitors that are idle.
pub(super) fn walk(
    trace: &[TraceEntry],
    include: &impl Fn(&str) -> bool,
) -> (Vec<(usize, Violation)>, Vec<&'static str>) {
    const _: () = assert!(
        GATED.len() <= u8::BITS as usize,
        "one bit per gated monitor"
    );
    let mut core = Core::new(trace, include);
    // Bit `b` stands for `GATED[b]`, included and with no event seen yet.
    // A mask over the constant list, not a list of the idle ones: the
    // `concerns` calls below go through known functions, which inline into
    // one match per entry instead of six indirect calls.
    let mut idle: u8 = GATED
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| include(name))
        .fold(0, |mask, (b, _)| mask | 1 << b);
    let mut found = Vec::new();
    let mut walking = core.walking();
    // Per kind of entry: the passes that read it (low byte) and the gated
    // monitors it concerns (high byte); `UNSEEN` until an entry of the
    // kind comes. No real value has bit 7 set: there are seven passes.
    const UNSEEN: u16 = u16::MAX;
    let mut by_kind = [UNSEEN; What::KINDS];
    for (i, e) in trace.iter().enumerate() {
        if !walking && idle == 0 {
            break;
        }
        let kind = e.what.kind();
        if by_kind[kind] == UNSEEN {
            by_kind[kind] = u16::from(Core::readers(&e.what)) | u16::from(concerned(&e.what)) << 8;
        }
        let seen = by_kind[kind];
        debug_assert_eq!(
            seen,
            u16::from(Core::readers(&e.what)) | u16::from(concerned(&e.what)) << 8,
            "invariant reads-by-kind: which monitors read an entry depends on its kind alone"
        );
        let (readers, concerns) = (seen as u8, (seen >> 8) as u8);
        if walking && readers != 0 {
            let before = found.len();
            core.step(i, e, readers, &mut found);
            if found.len() != before {
                walking = core.walking();
            }
        }
        idle &= !concerns;
    }
    core.end(trace, &mut found);
    let idle = GATED
        .iter()
        .enumerate()
        .filter(|(b, _)| idle & 1 << b != 0)
        .map(|(_, (name, _))| *name)
        .collect();
    (found, idle)
}

/// Bit `b` set: `GATED[b]` is concerned with `what`.
fn concerned(what: &What) -> u8 {
    GATED
        .iter()
        .enumerate()
        .fold(0, |mask, (b, (_, concerns))| {
            mask | u8::from(concerns(what)) << b
        })
}
