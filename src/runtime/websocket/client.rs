//! The client's end of a socket.

use std::future::poll_fn;
use std::rc::Rc;
use std::task::Poll;

use super::frame::{ClientEvent, Message, SocketEvent};
use super::registry::SocketId;
use crate::runtime::error::{Error, Result};
use crate::runtime::runtime::Runtime;
use crate::sim::world_config::LocationId;
use crate::trace::What;

/// A simulated client's WebSocket to an object, from
/// [`Stub::connect`](crate::Stub::connect).
pub struct ClientSocket {
    rt: Rc<Runtime>,
    id: SocketId,
    at: LocationId,
    done: std::cell::Cell<bool>,
}

impl std::fmt::Debug for ClientSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientSocket({})", self.id)
    }
}

impl ClientSocket {
    pub(crate) fn new(rt: Rc<Runtime>, id: SocketId, at: LocationId) -> ClientSocket {
        let obj = rt.sockets.with(id, |s| {
            s.client = Some(at);
            s.wake_client_waiters();
            s.obj
        });
        rt.world
            .record(at, obj, 0, What::SocketConnected { socket: id });
        ClientSocket {
            rt,
            id,
            at,
            done: std::cell::Cell::new(false),
        }
    }

    /// The socket's number in this run.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Sends a message to the object (delivered in order, after the ones
    /// sent before it). Fails once the socket is closed.
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        let message = message.into();
        if message.len() > super::frame::MESSAGE_BYTES_MAX {
            return Err(Error::range_error(format!(
                "WebSocket message of {} bytes is over the {} byte limit.",
                message.len(),
                super::frame::MESSAGE_BYTES_MAX
            )));
        }
        self.send_event(SocketEvent::Message(message))
    }

    /// Closes the socket: the object's `websocket_close` runs once, after
    /// every message sent before.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        self.send_event(SocketEvent::Close {
            code,
            reason: reason.to_string(),
            was_clean: true,
        })?;
        self.done.set(true);
        Ok(())
    }

    fn send_event(&self, event: SocketEvent) -> Result<()> {
        if self.done.get() {
            return Err(Error::new("WebSocket is closed"));
        }
        let seq = self
            .rt
            .sockets
            .number_to_object(self.id)
            .ok_or_else(|| Error::new("WebSocket is closed"))?;
        super::delivery::to_object(&self.rt, self.id, seq, self.at, event);
        Ok(())
    }

    /// The next event from the object. After the socket closed (a close
    /// was received, or this client closed it) it waits no more: `None`
    /// once nothing is left.
    pub async fn recv(&self) -> Option<ClientEvent> {
        if self.done.get() {
            return self.try_recv();
        }
        let next = poll_fn(|cx| {
            let popped = self
                .rt
                .sockets
                .with(self.id, |s| match s.to_client.ready.pop_front() {
                    Some(frame) => Poll::Ready(Some(frame)),
                    None => {
                        s.to_client.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                });
            popped.unwrap_or(Poll::Ready(None))
        })
        .await?;
        Some(self.received(next))
    }

    /// Records `what` in the trace at this client, for the socket's object:
    /// layers above the runtime note what their clients saw this way.
    pub(crate) fn record(&self, what: What) {
        let obj = self.rt.sockets.with(self.id, |s| s.obj);
        self.rt.world.record(self.at, obj, 0, what);
    }

    /// The next event if one is already here.
    pub fn try_recv(&self) -> Option<ClientEvent> {
        let next = self
            .rt
            .sockets
            .with(self.id, |s| s.to_client.ready.pop_front())
            .flatten()?;
        Some(self.received(next))
    }

    fn received(&self, (seq, event): (u64, ClientEvent)) -> ClientEvent {
        let world = &self.rt.world;
        let obj = self.rt.sockets.with(self.id, |s| s.obj);
        if seq != 0 {
            world.record(
                self.at,
                obj,
                0,
                What::SocketDelivered {
                    socket: self.id,
                    seq,
                    to_object: false,
                },
            );
        }
        if let ClientEvent::Close { code, .. } = &event {
            self.done.set(true);
            self.rt.sockets.closed_orderly(world, self.id, *code);
        }
        event
    }
}
