//! Every socket of the run, owned by the runtime.
//!
//! Invariants, each recorded in the trace and checked by the `websocket`
//! monitor: frames each way carry consecutive sequence numbers and are
//! handed over strictly in that order (a reorder buffer on each side puts
//! back what the network's latencies shuffled); a closed socket carries
//! nothing more; the tags a socket was accepted with and the attachment it
//! last stored are what a new instance sees after hibernation.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::task::Waker;
use std::time::Duration;

use super::frame::{ClientEvent, Message, SocketEvent};
use crate::runtime::error::{Error, Result};
use crate::sim::world::World;
use crate::sim::world_config::LocationId;
use crate::trace::{content_hash, ObjectRef, What};

/// The most tags one hibernatable socket may have.
pub const TAGS_MAX: usize = 10;
/// The longest tag, in characters.
pub const TAG_CHARS_MAX: usize = 256;
/// The most hibernatable sockets one object may hold.
pub const HIBERNATABLE_SOCKETS_MAX: usize = 32_768;
/// The largest serialised attachment, in bytes (the documented limit).
pub const ATTACHMENT_BYTES_MAX: usize = 2_048;
/// The longest auto-response request or response, in bytes.
pub const AUTO_RESPONSE_BYTES_MAX: usize = 2_048;
/// How long an instance holding only hibernatable sockets stays idle
/// before it hibernates.
pub const HIBERNATION_IDLE: Duration = Duration::from_secs(10);

pub(crate) type SocketId = u64;

/// The client's end of a new pair, to put in the upgrade response.
#[derive(Debug)]
pub struct WebSocketClientEnd(pub(crate) SocketId);

/// How the object took the socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// Made, not accepted yet.
    No,
    /// `accept()`: tied to the instance with this epoch.
    Plain(u32),
    /// `accept_websocket`: owned by the runtime, survives hibernation.
    Hibernatable,
}

/// One direction of a socket: numbering on send, a reorder buffer on
/// arrival, and the frames ready to hand over, in order.
pub(crate) struct Lane<T> {
    sent: u64,
    next: u64,
    arrived: BTreeMap<u64, T>,
    pub(crate) ready: VecDeque<(u64, T)>,
    pub(crate) waker: Option<Waker>,
}

impl<T> Default for Lane<T> {
    fn default() -> Self {
        Lane {
            sent: 0,
            next: 0,
            arrived: BTreeMap::new(),
            ready: VecDeque::new(),
            waker: None,
        }
    }
}

impl<T> Lane<T> {
    fn number(&mut self) -> u64 {
        self.sent += 1;
        self.sent
    }

    /// Takes frame `seq` in; moves every frame now in order to `ready`.
    fn arrive(&mut self, seq: u64, frame: T) {
        if self.next == 0 {
            self.next = 1;
        }
        self.arrived.insert(seq, frame);
        while let Some(frame) = self.arrived.remove(&self.next) {
            self.ready.push_back((self.next, frame));
            self.next += 1;
        }
        if let Some(w) = self.waker.take() {
            w.wake();
        }
    }
}

pub(crate) struct Socket {
    pub(crate) obj: ObjectRef,
    pub(crate) accepted: Accepted,
    pub(crate) client: Option<LocationId>,
    pub(crate) tags: Vec<String>,
    pub(crate) attachment: Option<Vec<u8>>,
    pub(crate) auto_response_ms: Option<i64>,
    pub(crate) closed: bool,
    /// The newest instance that made, accepted or handled the socket.
    pub(crate) last_epoch: u32,
    pub(crate) to_object: Lane<SocketEvent>,
    pub(crate) to_client: Lane<ClientEvent>,
    /// Frames for the client that wait for its end to exist, one waker
    /// each: the object may send several before the client's `connect`
    /// resolves, and every one of them must go on once it does.
    pub(crate) client_waiters: Vec<Waker>,
    pub(crate) pumping: bool,
}

impl Socket {
    /// Wakes every frame waiting for the client end.
    pub(crate) fn wake_client_waiters(&mut self) {
        for w in self.client_waiters.drain(..) {
            w.wake();
        }
    }
}

/// See the module documentation.
#[derive(Default)]
pub(crate) struct Sockets {
    pub(crate) all: RefCell<BTreeMap<SocketId, Socket>>,
    next: Cell<SocketId>,
    auto_response: RefCell<BTreeMap<ObjectRef, (String, String)>>,
}

impl Sockets {
    /// A new socket of `obj` (a `WebSocketPair`).
    pub(crate) fn create(&self, world: &World, obj: ObjectRef, at: LocationId) -> SocketId {
        let id = self.next.get() + 1;
        self.next.set(id);
        self.all.borrow_mut().insert(
            id,
            Socket {
                obj,
                accepted: Accepted::No,
                client: None,
                tags: Vec::new(),
                attachment: None,
                auto_response_ms: None,
                closed: false,
                last_epoch: 0,
                to_object: Lane::default(),
                to_client: Lane::default(),
                client_waiters: Vec::new(),
                pumping: false,
            },
        );
        world.record(at, Some(obj), 0, What::SocketOpened { socket: id });
        id
    }

    pub(crate) fn with<R>(&self, id: SocketId, f: impl FnOnce(&mut Socket) -> R) -> Option<R> {
        self.all.borrow_mut().get_mut(&id).map(f)
    }

    /// Accepts `id` for its object: plainly (tied to instance `epoch`) or
    /// through the hibernation API with `tags`.
    pub(crate) fn accept(&self, id: SocketId, how: Accepted, tags: &[&str]) -> Result<ObjectRef> {
        if tags.len() > TAGS_MAX {
            return Err(Error::range_error(format!(
                "A WebSocket can have at most {TAGS_MAX} tags; {} were provided.",
                tags.len()
            )));
        }
        if let Some(long) = tags.iter().find(|t| t.chars().count() > TAG_CHARS_MAX) {
            return Err(Error::range_error(format!(
                "A WebSocket tag can be at most {TAG_CHARS_MAX} characters long; a tag of {} \
                 characters was provided.",
                long.chars().count()
            )));
        }
        let obj = self
            .with(id, |s| s.obj)
            .ok_or_else(|| Error::type_error("no such WebSocket"))?;
        if how == Accepted::Hibernatable {
            let held = self.hibernatable_of(obj).len();
            if held >= HIBERNATABLE_SOCKETS_MAX {
                return Err(Error::range_error(format!(
                    "An object can hold at most {HIBERNATABLE_SOCKETS_MAX} hibernatable WebSockets."
                )));
            }
        }
        self.with(id, |s| {
            if s.accepted != Accepted::No {
                return Err(Error::type_error("The WebSocket was already accepted."));
            }
            s.accepted = how;
            s.tags = tags.iter().map(|t| t.to_string()).collect();
            Ok(obj)
        })
        .unwrap_or_else(|| Err(Error::type_error("no such WebSocket")))
    }

    /// The open hibernatable sockets of `obj`, in id order.
    pub(crate) fn hibernatable_of(&self, obj: ObjectRef) -> Vec<SocketId> {
        self.all
            .borrow()
            .iter()
            .filter(|(_, s)| s.obj == obj && s.accepted == Accepted::Hibernatable && !s.closed)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Whether `obj`'s instance `epoch` holds an open plain socket.
    pub(crate) fn has_plain(&self, obj: ObjectRef, epoch: u32) -> bool {
        self.all
            .borrow()
            .values()
            .any(|s| s.obj == obj && s.accepted == Accepted::Plain(epoch) && !s.closed)
    }

    pub(crate) fn tags_hash(tags: &[String]) -> u64 {
        content_hash(tags.join("\u{0}").as_bytes())
    }

    /// Numbers a frame from the client; returns its sequence number.
    pub(crate) fn number_to_object(&self, id: SocketId) -> Option<u64> {
        self.with(id, |s| (!s.closed).then(|| s.to_object.number()))
            .flatten()
    }

    /// Numbers a frame from the object; returns its sequence number.
    pub(crate) fn number_to_client(&self, id: SocketId) -> Option<u64> {
        self.with(id, |s| (!s.closed).then(|| s.to_client.number()))
            .flatten()
    }

    pub(crate) fn arrive_at_object(&self, id: SocketId, seq: u64, event: SocketEvent) {
        self.with(id, |s| s.to_object.arrive(seq, event));
    }

    pub(crate) fn arrive_at_client(&self, id: SocketId, seq: u64, event: ClientEvent) {
        self.with(id, |s| s.to_client.arrive(seq, event));
    }

    /// Breaks `id` off at once (a crash, a reset, a partition): frames in
    /// flight are lost, the client is told `code` right away, and nothing
    /// more is carried either way.
    pub(crate) fn break_off(&self, world: &World, id: SocketId, code: u16, reason: &str) {
        let closed = self.with(id, |s| {
            if s.closed {
                return None;
            }
            s.closed = true;
            s.to_client.arrived.clear();
            s.to_client.ready.push_back((
                0,
                ClientEvent::Close {
                    code,
                    reason: reason.to_string(),
                },
            ));
            for w in [s.to_client.waker.take(), s.to_object.waker.take()]
                .into_iter()
                .flatten()
            {
                w.wake();
            }
            s.wake_client_waiters();
            Some(s.obj)
        });
        if let Some(Some(obj)) = closed {
            let at = world.config().storage();
            world.record(at, Some(obj), 0, What::SocketClosed { socket: id, code });
        }
    }

    /// The connection of `id` broke in the network: the socket closes
    /// (1006) and the object's `websocket_error` runs, after the messages
    /// already handed to it.
    pub(crate) fn broke_in_network(&self, world: &World, id: SocketId) {
        let accepted = self.with(id, |s| !s.closed && s.accepted != Accepted::No);
        self.break_off(world, id, super::frame::CLOSE_ABNORMAL, "connection lost");
        if accepted == Some(true) {
            self.with(id, |s| {
                s.to_object.ready.push_back((
                    0,
                    SocketEvent::Error("Network connection lost.".to_string()),
                ));
                if let Some(w) = s.to_object.waker.take() {
                    w.wake();
                }
            });
        }
    }

    /// Marks `id` closed after an orderly close frame went through.
    pub(crate) fn closed_orderly(&self, world: &World, id: SocketId, code: u16) {
        let obj = self.with(id, |s| {
            (!std::mem::replace(&mut s.closed, true)).then_some(s.obj)
        });
        if let Some(Some(obj)) = obj {
            let at = world.config().storage();
            world.record(at, Some(obj), 0, What::SocketClosed { socket: id, code });
        }
    }

    /// Sets `obj`'s auto-response pair (`None` removes it).
    pub(crate) fn set_auto_response(&self, obj: ObjectRef, pair: Option<(String, String)>) {
        let mut all = self.auto_response.borrow_mut();
        match pair {
            Some(p) => all.insert(obj, p),
            None => all.remove(&obj),
        };
    }

    /// The response to `text`, if it is `obj`'s auto-response request.
    pub(crate) fn auto_response(&self, obj: ObjectRef, text: &str) -> Option<String> {
        let all = self.auto_response.borrow();
        let (request, response) = all.get(&obj)?;
        (request == text).then(|| response.clone())
    }
}

/// Checks an attachment's size; the error names the limit.
pub(crate) fn check_attachment(bytes: &[u8]) -> Result<()> {
    if bytes.len() > ATTACHMENT_BYTES_MAX {
        return Err(Error::range_error(format!(
            "The serialized WebSocket attachment is {} bytes; at most {ATTACHMENT_BYTES_MAX} are \
             allowed.",
            bytes.len()
        )));
    }
    Ok(())
}

/// Checks an auto-response pair's sizes.
pub(crate) fn check_auto_response(request: &str, response: &str) -> Result<()> {
    for (what, text) in [("request", request), ("response", response)] {
        if text.len() > AUTO_RESPONSE_BYTES_MAX {
            return Err(Error::range_error(format!(
                "The auto-response {what} is {} bytes; at most {AUTO_RESPONSE_BYTES_MAX} are \
                 allowed.",
                text.len()
            )));
        }
    }
    Ok(())
}

impl Message {
    fn bytes(&self) -> &[u8] {
        match self {
            Message::Text(t) => t.as_bytes(),
            Message::Binary(b) => b,
        }
    }

    pub(crate) fn hash(&self) -> u64 {
        content_hash(self.bytes())
    }

    /// Its start, for a trace line.
    pub(crate) fn excerpt(&self) -> crate::trace::Excerpt {
        crate::trace::Excerpt::new(self.bytes())
    }
}
