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

use futures::channel::oneshot;

use super::error::Result;
use super::http::{Request, Response};
use super::payload::Payload;
use crate::sim::rng::RunRng;

/// What a caller asked for.
pub(crate) enum Invocation {
    Fetch(Request),
    Rpc {
        method: String,
        args: Payload,
    },
    /// The runtime's alarm scheduler: the alarm due at `scheduled_ms`.
    Alarm {
        scheduled_ms: i64,
        retry_count: u32,
    },
    /// A socket's frame `seq` for the object's handler.
    Socket {
        socket: u64,
        seq: u64,
        event: crate::runtime::websocket::SocketEvent,
    },
}

/// What comes back.
pub(crate) enum Reply {
    Fetch(Response),
    Rpc(Payload),
    /// An alarm or socket handler finished (its writes confirmed).
    Done,
}

pub(crate) type ReplySender = oneshot::Sender<Result<Reply>>;

/// A call that arrived.
pub(crate) struct Incoming {
    pub(crate) call: u64,
    pub(crate) stub: u64,
    pub(crate) seq: u64,
    /// The stub's first call to this instance.
    pub(crate) first_seq: u64,
    pub(crate) invocation: Invocation,
    pub(crate) reply: ReplySender,
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct Inbox {
    /// Next sequence number to start, per stub that has called.
    next_seq: BTreeMap<u64, u64>,
    /// Arrived calls, per stub with any waiting.
    waiting: BTreeMap<u64, BTreeMap<u64, Incoming>>,
    /// Stubs whose connection broke: their calls fail on arrival.
    broken: BTreeSet<u64>,
    /// Calls started out of order (only under the `reorder_delivery`
    /// mutation), skipped when their turn comes.
    early: BTreeSet<(u64, u64)>,
}

impl Inbox {
    /// Queues an arrived call; hands it back if its stub is broken.
    pub(crate) fn push(&mut self, incoming: Incoming) -> Result<(), Box<Incoming>> {
        let next = *self
            .next_seq
            .entry(incoming.stub)
            .or_insert(incoming.first_seq);
        if self.broken.contains(&incoming.stub) || incoming.seq < next {
            return Err(Box::new(incoming));
        }
        self.waiting
            .entry(incoming.stub)
            .or_default()
            .insert(incoming.seq, incoming);
        Ok(())
    }

    /// The stub's connection broke: its waiting calls are handed back to be
    /// failed, and later ones will be refused. Without this, a call lost for
    /// good would hold every later call of its stub back forever.
    pub(crate) fn break_stub(&mut self, stub: u64) -> Vec<Incoming> {
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
    pub(crate) fn take_next(&mut self, rng: &RunRng) -> Option<Incoming> {
        if crate::mutations::active(crate::mutations::Mutation::ReorderDelivery) {
            if let Some(incoming) = self.take_out_of_order() {
                return Some(incoming);
            }
        }
        let ready: Vec<u64> = self
            .waiting
            .iter()
            .filter(|(stub, calls)| {
                let next = self.next_seq.get(stub).copied().unwrap_or(1);
                calls.first_key_value().is_some_and(|(seq, _)| *seq == next)
            })
            .map(|(stub, _)| *stub)
            .collect();
        if ready.is_empty() {
            return None;
        }
        let stub = ready[if ready.len() == 1 {
            0
        } else {
            rng.below(ready.len())
        }];
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
    fn take_out_of_order(&mut self) -> Option<Incoming> {
        let (stub, seq) = self.waiting.iter().find_map(|(stub, calls)| {
            let next = self.next_seq.get(stub).copied().unwrap_or(1);
            (calls.contains_key(&next) && calls.contains_key(&(next + 1)))
                .then_some((*stub, next + 1))
        })?;
        self.early.insert((stub, seq));
        self.waiting.get_mut(&stub)?.remove(&seq)
    }

    /// Every waiting call, for failing them all; their numbers are spent.
    pub(crate) fn drain(&mut self) -> Vec<Incoming> {
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
