//! Frames on their way: across the network each way, and into the object
//! one handler at a time.

use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use futures::future::LocalBoxFuture;

use super::frame::{ClientEvent, Message, SocketEvent};
use super::registry::{Accepted, SocketId};
use super::server::WebSocket;
use crate::mutations::{self, Mutation};
use crate::runtime::error::Result;
use crate::runtime::instance::{Instance, RaisedEvent};
use crate::runtime::object::ErasedObject;
use crate::runtime::reply::{self, ReplyFuture};
use crate::runtime::runtime::Runtime;
use crate::sim::network::transmit_stream;
use crate::sim::world::spawn_task;
use crate::sim::world_config::LocationId;
use crate::storage::input_gate::EventId;
use crate::trace::{Cause, What};

/// Carries frame `seq` from the client at `from` to the object's host, then
/// queues it for the object. A broken connection breaks the socket.
pub(crate) fn to_object(
    rt: &Rc<Runtime>,
    id: SocketId,
    seq: u64,
    from: LocationId,
    event: SocketEvent,
) {
    let Some(obj) = rt.sockets.with(id, |s| s.obj) else {
        return;
    };
    let (hash, text) = match &event {
        SocketEvent::Message(m) => (m.hash(), Some(m.excerpt())),
        SocketEvent::Close { code, .. } => (u64::from(*code), None),
        SocketEvent::Error(_) => (0, None),
    };
    rt.world.record(
        from,
        Some(obj),
        0,
        What::SocketSent {
            socket: id,
            seq,
            to_object: true,
            content: hash,
            text,
        },
    );
    let rt2 = rt.clone();
    spawn_task(&rt.world, async move {
        // Nowhere to go once the run's objects are gone (a client dropped
        // its socket while the run was torn down).
        let Some(host) = rt2.try_host_of(obj) else {
            return;
        };
        if transmit_stream(&rt2.world, from, host).await.is_err() {
            rt2.sockets.broke_in_network(&rt2.world, id);
        } else {
            rt2.sockets.arrive_at_object(id, seq, event);
        }
        start_pump(&rt2, id);
    });
}

/// Carries frame `seq` from the object's host to the client, once the
/// client end exists.
pub(crate) fn to_client(
    rt: &Rc<Runtime>,
    id: SocketId,
    seq: u64,
    host: LocationId,
    event: ClientEvent,
) {
    let rt2 = rt.clone();
    spawn_task(&rt.world, async move {
        let client = poll_fn(|cx| {
            let at = rt2.sockets.with(id, |s| match (s.client, s.closed) {
                (Some(at), false) => Poll::Ready(Some(at)),
                (_, true) => Poll::Ready(None),
                (None, false) => {
                    if mutations::active(Mutation::WsWakeLastWaiter) {
                        // The planted bug: one waker slot for every waiting
                        // frame, so the client's end wakes only the last.
                        s.client_waiters.clear();
                    }
                    if !s.client_waiters.iter().any(|w| w.will_wake(cx.waker())) {
                        s.client_waiters.push(cx.waker().clone());
                    }
                    Poll::Pending
                }
            });
            at.unwrap_or(Poll::Ready(None))
        })
        .await;
        let Some(client) = client else { return };
        if transmit_stream(&rt2.world, host, client).await.is_err() {
            rt2.sockets.broke_in_network(&rt2.world, id);
            start_pump(&rt2, id);
            return;
        }
        let obj = rt2.sockets.with(id, |s| s.obj);
        rt2.world
            .record(client, obj, 0, What::SocketArrived { socket: id, seq });
        rt2.sockets.arrive_at_client(id, seq, event);
    });
}

fn start_pump(rt: &Rc<Runtime>, id: SocketId) {
    let start = rt
        .sockets
        .with(id, |s| !std::mem::replace(&mut s.pumping, true))
        .unwrap_or(false);
    if start {
        spawn_task(&rt.world, pump(rt.clone(), id));
    }
}

/// Hands the socket's frames to the object one at a time: the next only
/// after the handler of the last has finished.
async fn pump(rt: Rc<Runtime>, id: SocketId) {
    loop {
        let next = poll_fn(|cx| {
            let polled = rt.sockets.with(id, |s| {
                if s.closed {
                    // Only a broken connection's error is still handed over.
                    let error = s
                        .to_object
                        .ready
                        .iter()
                        .position(|(_, e)| matches!(e, SocketEvent::Error(_)));
                    return Poll::Ready(error.and_then(|i| s.to_object.ready.remove(i)));
                }
                let swap = mutations::active(Mutation::WsReorder) && s.to_object.ready.len() >= 2;
                let frame = if swap {
                    s.to_object.ready.remove(1)
                } else {
                    s.to_object.ready.pop_front()
                };
                match frame {
                    Some(frame) => Poll::Ready(Some(frame)),
                    None => {
                        s.to_object.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            });
            polled.unwrap_or(Poll::Ready(None))
        })
        .await;
        let Some((seq, event)) = next else {
            rt.sockets.with(id, |s| s.pumping = false);
            return;
        };
        if auto_respond(&rt, id, &event) {
            continue;
        }
        let closing = matches!(event, SocketEvent::Close { .. });
        let code = match &event {
            SocketEvent::Close { code, .. } => *code,
            SocketEvent::Message(_) | SocketEvent::Error(_) => 0,
        };
        let reply = deliver(&rt, id, seq, event);
        let _ = reply.await;
        if closing {
            rt.sockets.closed_orderly(&rt.world, id, code);
            rt.sockets.with(id, |s| s.pumping = false);
            return;
        }
    }
}

/// Answers the object's auto-response request without waking it.
fn auto_respond(rt: &Rc<Runtime>, id: SocketId, event: &SocketEvent) -> bool {
    let SocketEvent::Message(Message::Text(text)) = event else {
        return false;
    };
    let Some(obj) = rt.sockets.with(id, |s| s.obj) else {
        return false;
    };
    let Some(response) = rt.sockets.auto_response(obj, text) else {
        return false;
    };
    let now = crate::runtime::time::now_unix_ms(&rt.world);
    rt.sockets.with(id, |s| s.auto_response_ms = Some(now));
    let host = rt.host_of(obj);
    rt.world
        .record(host, Some(obj), 0, What::SocketAutoResponse { socket: id });
    if let Some(seq) = rt.sockets.number_to_client(id) {
        to_client(
            rt,
            id,
            seq,
            host,
            ClientEvent::Message(Message::Text(response)),
        );
    }
    true
}

fn deliver(
    rt: &Rc<Runtime>,
    id: SocketId,
    seq: u64,
    event: SocketEvent,
) -> ReplyFuture<Result<()>> {
    let target = rt.sockets.with(id, |s| match s.accepted {
        Accepted::Plain(epoch) => Some((s.obj, Some(epoch))),
        Accepted::Hibernatable => Some((s.obj, None)),
        Accepted::No => None,
    });
    let Some(Some((obj, bound))) = target else {
        // Nothing to deliver to: the receiver resolves at once.
        return reply::channel().1;
    };
    let frame = FrameEvent {
        socket: id,
        seq,
        event,
    };
    rt.raise(obj, bound, Box::new(frame))
}

/// A socket's frame `seq` (a message or a close), as an event of the
/// instance it reaches; `seq` 0 is an error the runtime raised when the
/// connection broke, not a frame that travelled.
struct FrameEvent {
    socket: SocketId,
    seq: u64,
    event: SocketEvent,
}

impl RaisedEvent for FrameEvent {
    fn announce(&self, inst: &Instance, _event: EventId) -> Cause {
        if self.seq != 0 {
            inst.record(What::SocketDelivered {
                socket: self.socket,
                seq: self.seq,
                to_object: true,
            });
        }
        Cause::Socket(self.socket)
    }

    fn run(
        self: Box<Self>,
        inst: &Rc<Instance>,
        object: Rc<dyn ErasedObject>,
    ) -> LocalBoxFuture<'static, Result<()>> {
        let rt = inst.rt.clone();
        rt.sockets.with(self.socket, |s| s.last_epoch = inst.epoch);
        let ws = WebSocket::new(Rc::downgrade(&rt), self.socket);
        object.socket_erased(ws, self.event)
    }
}
