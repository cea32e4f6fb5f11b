//! Calls that reached an object and wait to start.
//!
//! E-order lives here: calls through one stub start in the order they were
//! made, even though the network lets them overtake each other in flight.
//! Each stub's calls wait in sequence order; only the next expected one of a
//! stub is deliverable. Between stubs there is no order: the seed picks.
//!
//! A stub is bound to one instance at a time; each call carries the number
//! of the stub's first call to that instance, so a stub that rebinds (its
//! instance was evicted) starts where it is, not at 1. When an instance
//! dies, the calls waiting for it fail and their numbers are spent; a call
//! that arrives later with a lower number fails too (its connection broke),
//! so no call ever waits for one that is gone.

use std::collections::{BTreeMap, BTreeSet};

use crate::sim::rng::RunRng;

/// Something that arrived for an instance, in its lane.
///
/// A lane is a stub's connection to the instance; an event the runtime
/// raises itself (an alarm, a socket's frame) arrives in a lane of its own,
/// as its only entry. Lanes and deliveries are numbered from the run's
/// counters in the order they were opened and sent, and the trace names
/// stubs and calls by these numbers.
pub(crate) struct Incoming<A> {
    /// The delivery's number (a call's number is its delivery number).
    pub(crate) number: u64,
    /// The lane it came in (a stub's number is its lane).
    pub(crate) lane: u64,
    /// Its place in its lane.
    pub(crate) seq: u64,
    /// The lane's first delivery to this instance.
    pub(crate) first_seq: u64,
    /// What arrived.
    pub(crate) arrival: A,
}

/// See the module documentation.
pub(crate) struct Inbox<A> {
    /// Next sequence number to start, per lane that has delivered.
    next_seq: BTreeMap<u64, u64>,
    /// Arrivals, per lane with any waiting.
    waiting: BTreeMap<u64, BTreeMap<u64, Incoming<A>>>,
    /// Lanes whose connection broke: their arrivals fail.
    broken: BTreeSet<u64>,
    /// Calls started out of order (only under the `reorder_delivery`
    /// mutation), skipped when their turn comes.
    early: BTreeSet<(u64, u64)>,
}

impl<A> Default for Inbox<A> {
    fn default() -> Self {
        Inbox {
            next_seq: BTreeMap::new(),
            waiting: BTreeMap::new(),
            broken: BTreeSet::new(),
            early: BTreeSet::new(),
        }
    }
}

impl<A> Inbox<A> {
    /// Queues an arrived call; hands it back if its stub is broken.
    pub(crate) fn push(&mut self, incoming: Incoming<A>) -> Result<(), Box<Incoming<A>>> {
        let next = *self
            .next_seq
            .entry(incoming.lane)
            .or_insert(incoming.first_seq);
        if self.broken.contains(&incoming.lane) || incoming.seq < next {
            return Err(Box::new(incoming));
        }
        self.waiting
            .entry(incoming.lane)
            .or_default()
            .insert(incoming.seq, incoming);
        Ok(())
    }

    /// The stub's connection broke: its waiting calls are handed back to be
    /// failed, and later ones will be refused. Without this, a call lost for
    /// good would hold every later call of its stub back forever.
    pub(crate) fn break_stub(&mut self, stub: u64) -> Vec<Incoming<A>> {
        self.broken.insert(stub);
        self.waiting
            .remove(&stub)
            .map(|calls| calls.into_values().collect())
            .unwrap_or_default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Takes a deliverable call, chosen by the seed among the stubs that
    /// have their next call waiting.
    pub(crate) fn take_next(&mut self, rng: &RunRng) -> Option<Incoming<A>> {
        if crate::mutations::active(crate::mutations::Mutation::ReorderDelivery) {
            if let Some(incoming) = self.take_out_of_order() {
                return Some(incoming);
            }
        }
        // Counted, then picked by position: no list of ready lanes is built
        // for every delivery.
        let is_ready = |(stub, calls): &(&u64, &BTreeMap<u64, Incoming<A>>)| {
            let next = self.next_seq.get(stub).copied().unwrap_or(1);
            calls.first_key_value().is_some_and(|(seq, _)| *seq == next)
        };
        let ready = self.waiting.iter().filter(is_ready).count();
        if ready == 0 {
            return None;
        }
        let pick = if ready == 1 { 0 } else { rng.below(ready) };
        let stub = *self.waiting.iter().filter(is_ready).nth(pick)?.0;
        let calls = self.waiting.get_mut(&stub)?;
        let (seq, incoming) = calls.pop_first()?;
        if calls.is_empty() {
            self.waiting.remove(&stub);
        }
        let mut next = seq + 1;
        while self.early.remove(&(stub, next)) {
            next += 1;
        }
        self.next_seq.insert(stub, next);
        Some(incoming)
    }

    /// The planted bug: a stub's next-but-one call, when both are waiting.
    fn take_out_of_order(&mut self) -> Option<Incoming<A>> {
        let (stub, seq) = self.waiting.iter().find_map(|(stub, calls)| {
            let next = self.next_seq.get(stub).copied().unwrap_or(1);
            (calls.contains_key(&next) && calls.contains_key(&(next + 1)))
                .then_some((*stub, next + 1))
        })?;
        self.early.insert((stub, seq));
        self.waiting.get_mut(&stub)?.remove(&seq)
    }

    /// Every waiting call, for failing them all; their numbers are spent.
    pub(crate) fn drain(&mut self) -> Vec<Incoming<A>> {
        let waiting = std::mem::take(&mut self.waiting);
        for (stub, calls) in &waiting {
            if let Some((last, _)) = calls.last_key_value() {
                self.next_seq.insert(*stub, last + 1);
            }
        }
        waiting
            .into_values()
            .flat_map(|calls| calls.into_values())
            .collect()
    }
}
