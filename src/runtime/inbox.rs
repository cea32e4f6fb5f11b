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
    /// Arrivals waiting to start, sorted by lane and then by place in the
    /// lane. One flat list, not a map of maps: a call is pushed and taken
    /// for every request, and the list keeps its capacity between them
    /// where the maps allocated a node for each.
    waiting: Vec<Incoming<A>>,
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
            waiting: Vec::new(),
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
        match self.position(incoming.lane, incoming.seq) {
            Ok(at) => self.waiting[at] = incoming,
            Err(at) => self.waiting.insert(at, incoming),
        }
        Ok(())
    }

    /// Where `(lane, seq)` is, or would go, in the sorted list.
    fn position(&self, lane: u64, seq: u64) -> Result<usize, usize> {
        self.waiting
            .binary_search_by(|waiting| (waiting.lane, waiting.seq).cmp(&(lane, seq)))
    }

    /// The range of the list that holds `lane`'s arrivals.
    fn lane_range(&self, lane: u64) -> std::ops::Range<usize> {
        let start = self.waiting.partition_point(|w| w.lane < lane);
        let end = start + self.waiting[start..].partition_point(|w| w.lane == lane);
        start..end
    }

    /// The stub's connection broke: its waiting calls are handed back to be
    /// failed, and later ones will be refused. Without this, a call lost for
    /// good would hold every later call of its stub back forever.
    pub(crate) fn break_stub(&mut self, stub: u64) -> Vec<Incoming<A>> {
        self.broken.insert(stub);
        let range = self.lane_range(stub);
        self.waiting.drain(range).collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// The positions of the lanes' first arrivals that may start now (the
    /// next expected of their lane), in lane order.
    fn ready(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.waiting.len()).filter(move |&at| {
            let w = &self.waiting[at];
            let first_of_lane = at == 0 || self.waiting[at - 1].lane != w.lane;
            first_of_lane && self.next_seq.get(&w.lane).copied().unwrap_or(1) == w.seq
        })
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
        // One pass: a call usually waits alone, and each lane checked
        // costs a look-up of its next number.
        let ready: smallvec::SmallVec<[usize; 8]> = self.ready().collect();
        let at = match ready.len() {
            0 => return None,
            1 => ready[0],
            n => ready[rng.below(n)],
        };
        let incoming = self.waiting.remove(at);
        let (stub, mut next) = (incoming.lane, incoming.seq + 1);
        while !self.early.is_empty() && self.early.remove(&(stub, next)) {
            next += 1;
        }
        self.next_seq.insert(stub, next);
        Some(incoming)
    }

    /// The planted bug: a stub's next-but-one call, when both are waiting.
    fn take_out_of_order(&mut self) -> Option<Incoming<A>> {
        let at = (1..self.waiting.len()).find(|&at| {
            let (before, w) = (&self.waiting[at - 1], &self.waiting[at]);
            let next = self.next_seq.get(&w.lane).copied().unwrap_or(1);
            before.lane == w.lane && before.seq == next && w.seq == next + 1
        })?;
        let incoming = self.waiting.remove(at);
        self.early.insert((incoming.lane, incoming.seq));
        Some(incoming)
    }

    /// Every waiting call, for failing them all; their numbers are spent.
    pub(crate) fn drain(&mut self) -> Vec<Incoming<A>> {
        let waiting = std::mem::take(&mut self.waiting);
        for (at, w) in waiting.iter().enumerate() {
            let last_of_lane = waiting.get(at + 1).is_none_or(|after| after.lane != w.lane);
            if last_of_lane {
                self.next_seq.insert(w.lane, w.seq + 1);
            }
        }
        waiting
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn call(lane: u64, seq: u64) -> Incoming<(u64, u64)> {
        Incoming {
            number: lane * 100 + seq,
            lane,
            seq,
            first_seq: 1,
            arrival: (lane, seq),
        }
    }

    fn taken(inbox: &mut Inbox<(u64, u64)>, rng: &RunRng) -> Vec<(u64, u64)> {
        std::iter::from_fn(|| inbox.take_next(rng).map(|c| c.arrival)).collect()
    }

    #[test]
    fn each_lane_starts_in_order_whatever_the_arrival_order() {
        for seed in 0..20 {
            let rng = RunRng::new(ChaCha8Rng::seed_from_u64(seed));
            let mut inbox = Inbox::default();
            for (lane, seq) in [(2, 3), (1, 2), (2, 1), (3, 1), (1, 1), (2, 2)] {
                assert!(inbox.push(call(lane, seq)).is_ok());
            }
            let order = taken(&mut inbox, &rng);
            assert_eq!(order.len(), 6, "seed {seed}: every call starts");
            for lane in 1..=3 {
                let seqs: Vec<u64> = order.iter().filter(|c| c.0 == lane).map(|c| c.1).collect();
                let sorted = {
                    let mut s = seqs.clone();
                    s.sort();
                    s
                };
                assert_eq!(seqs, sorted, "seed {seed}: lane {lane} in order");
            }
            assert!(inbox.is_empty());
        }
    }

    #[test]
    fn a_gap_holds_its_lane_back_but_not_the_others() {
        let rng = RunRng::new(ChaCha8Rng::seed_from_u64(7));
        let mut inbox = Inbox::default();
        assert!(inbox.push(call(1, 2)).is_ok());
        assert!(inbox.push(call(2, 1)).is_ok());
        assert_eq!(taken(&mut inbox, &rng), vec![(2, 1)]);
        assert!(!inbox.is_empty(), "lane 1 waits for its first call");
        assert!(inbox.push(call(1, 1)).is_ok());
        assert_eq!(taken(&mut inbox, &rng), vec![(1, 1), (1, 2)]);
    }

    #[test]
    fn a_broken_lane_hands_back_its_calls_and_refuses_later_ones() {
        let rng = RunRng::new(ChaCha8Rng::seed_from_u64(1));
        let mut inbox = Inbox::default();
        for (lane, seq) in [(1, 2), (2, 1), (1, 3)] {
            assert!(inbox.push(call(lane, seq)).is_ok());
        }
        let failed: Vec<_> = inbox.break_stub(1).into_iter().map(|c| c.arrival).collect();
        assert_eq!(failed, vec![(1, 2), (1, 3)]);
        assert!(inbox.push(call(1, 4)).is_err(), "a broken lane refuses");
        assert_eq!(taken(&mut inbox, &rng), vec![(2, 1)]);
    }

    #[test]
    fn draining_spends_the_numbers_so_late_calls_fail() {
        let mut inbox = Inbox::default();
        for (lane, seq) in [(1, 2), (2, 1), (1, 1)] {
            assert!(inbox.push(call(lane, seq)).is_ok());
        }
        let drained: Vec<_> = inbox.drain().into_iter().map(|c| c.arrival).collect();
        assert_eq!(drained, vec![(1, 1), (1, 2), (2, 1)]);
        assert!(inbox.is_empty());
        assert!(
            inbox.push(call(1, 2)).is_err(),
            "lane 1's numbers up to 2 are spent"
        );
        assert!(inbox.push(call(2, 2)).is_ok(), "lane 2 goes on from 2");
    }
}
