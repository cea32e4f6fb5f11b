//! The object's end of a socket, and the hibernation API on `State`.

use std::rc::{Rc, Weak};
use std::time::SystemTime;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::frame::{ClientEvent, Message, CLOSE_ABNORMAL, CLOSE_NORMAL};
use super::registry::{
    check_attachment, check_auto_response, Accepted, SocketId, Sockets, WebSocketClientEnd,
};
use crate::runtime::context;
use crate::runtime::error::{Error, Result};
use crate::runtime::payload::{decode_bytes, Payload};
use crate::runtime::runtime::Runtime;
use crate::runtime::state::State;
use crate::trace::{content_hash, What};

/// The two ends of a new socket, made in `fetch` to answer an upgrade:
/// accept `server`, answer with [`Response::websocket`](crate::Response::websocket)`(client)`.
#[derive(Debug)]
pub struct WebSocketPair {
    /// The end that goes back to the client in the response.
    pub client: WebSocketClientEnd,
    /// The object's end.
    pub server: WebSocket,
}

impl WebSocketPair {
    /// Makes a new socket for this object. Must run in one of its events.
    pub fn new(state: &State) -> Result<WebSocketPair> {
        let inst = state.live_instance()?;
        let rt = inst.rt.clone();
        let id = rt.sockets.create(&rt.world, inst.obj, inst.host);
        rt.sockets.with(id, |s| s.last_epoch = inst.epoch);
        Ok(WebSocketPair {
            client: WebSocketClientEnd(id),
            server: WebSocket::new(Rc::downgrade(&rt), id),
        })
    }

    /// Makes a new socket for the object whose event is running: what
    /// [`new`](Self::new) does, for code that holds no [`State`] at hand
    /// (the workers-rs mirror's `WebSocketPair::new()`). An error outside
    /// an object's event.
    pub fn in_current_event() -> Result<WebSocketPair> {
        let ctx = context::current().ok_or_else(|| {
            Error::new("a WebSocketPair can only be made in one of an object's events")
        })?;
        WebSocketPair::new(&State::new(&ctx.instance))
    }
}

/// The object's end of a socket. After hibernation the object gets new
/// handles to the same sockets (from [`State::get_websockets`] or its
/// handlers); compare them with [`WebSocket::id`].
#[derive(Clone)]
pub struct WebSocket {
    rt: Weak<Runtime>,
    id: SocketId,
}

impl std::fmt::Debug for WebSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WebSocket({})", self.id)
    }
}

impl PartialEq for WebSocket {
    fn eq(&self, other: &WebSocket) -> bool {
        self.id == other.id
    }
}

impl WebSocket {
    pub(crate) fn new(rt: Weak<Runtime>, id: SocketId) -> WebSocket {
        WebSocket { rt, id }
    }

    fn rt(&self) -> Result<Rc<Runtime>> {
        self.rt
            .upgrade()
            .ok_or_else(|| Error::new("the run has ended"))
    }

    /// The socket's number in this run.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Accepts the socket as a plain (non-hibernatable) one: it is tied to
    /// this instance, keeps it from hibernating, and closes when it ends.
    pub fn accept(&self) -> Result<()> {
        let ctx = context::current().ok_or_else(|| Error::new("accept() outside an event"))?;
        let rt = self.rt()?;
        rt.sockets
            .accept(self.id, Accepted::Plain(ctx.instance.epoch), &[])?;
        rt.sockets
            .with(self.id, |s| s.last_epoch = ctx.instance.epoch);
        record_accepted(&ctx.instance, self.id, false, &[]);
        Ok(())
    }

    /// Sends a message to the client. Like every output of the object it
    /// leaves only once the writes made before it are confirmed.
    pub fn send(&self, message: impl Into<Message>) -> Result<()> {
        self.send_frame(ClientEvent::Message(message.into()))
    }

    /// Closes the socket (after the messages sent before).
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        let code = if code == 0 { CLOSE_NORMAL } else { code };
        self.send_frame(ClientEvent::Close {
            code,
            reason: reason.to_string(),
        })
    }

    fn send_frame(&self, frame: ClientEvent) -> Result<()> {
        let ctx = context::current().ok_or_else(|| {
            Error::new("a WebSocket can only send from one of the object's events")
        })?;
        let rt = self.rt()?;
        let seq = rt
            .sockets
            .number_to_client(self.id)
            .ok_or_else(|| Error::new("WebSocket is closed"))?;
        let (content, text) = match &frame {
            ClientEvent::Message(m) => (m.hash(), Some(m.excerpt())),
            ClientEvent::Close { code, .. } => (u64::from(*code), None),
        };
        let inst = ctx.instance.clone();
        inst.record(What::SocketSent {
            socket: self.id,
            seq,
            to_object: false,
            content,
            text,
        });
        let id = self.id;
        let event = ctx.event;
        crate::sim::world::spawn_task(&rt.world.clone(), async move {
            // Output waits for the writes before it. A frame whose gate
            // broke never leaves, and a connection never skips a frame: it
            // breaks (1006). A reset instance's sockets broke already; this
            // is for the ones that outlive their instance (hibernatable
            // sockets of a superseded or evicted instance), which would
            // otherwise stay open with the frame silently gone.
            if inst.release_output(event).await.is_ok() {
                super::delivery::to_client(&inst.rt, id, seq, inst.host, frame);
            } else {
                inst.rt.sockets.break_off(
                    &inst.rt.world,
                    id,
                    CLOSE_ABNORMAL,
                    "the Durable Object's instance ended before the message could be sent",
                );
            }
        });
        Ok(())
    }

    /// Stores `value` with the socket: it survives hibernation, and is
    /// copied now (later changes to `value` are not seen). At most
    /// [`ATTACHMENT_BYTES_MAX`](crate::ATTACHMENT_BYTES_MAX) bytes
    /// serialised.
    pub fn serialize_attachment<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let bytes = Payload::encode(value, || "the WebSocket attachment".to_string())?;
        check_attachment(&bytes.0)?;
        let rt = self.rt()?;
        let hash = content_hash(&bytes.0);
        let obj = rt.sockets.with(self.id, |s| {
            s.attachment = Some(bytes.into_vec());
            s.obj
        });
        if let Some(obj) = obj {
            rt.world.record(
                rt.host_of(obj),
                Some(obj),
                0,
                What::SocketAttachment {
                    socket: self.id,
                    attachment: Some(hash),
                },
            );
        }
        Ok(())
    }

    /// The attachment stored last, if any.
    pub fn deserialize_attachment<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        let rt = self.rt()?;
        let bytes = rt.sockets.with(self.id, |s| s.attachment.clone()).flatten();
        bytes
            .map(|b| decode_bytes(&b, || "the WebSocket attachment".to_string()))
            .transpose()
    }
}

fn record_accepted(
    inst: &crate::runtime::instance::Instance,
    id: SocketId,
    hibernatable: bool,
    tags: &[String],
) {
    inst.record(What::SocketAccepted {
        socket: id,
        hibernatable,
        tags: Sockets::tags_hash(tags),
    });
}

impl State {
    /// Accepts `ws` through the hibernation API, with up to
    /// [`TAGS_MAX`](crate::TAGS_MAX) tags of at most
    /// [`TAG_CHARS_MAX`](crate::TAG_CHARS_MAX) characters. The runtime keeps
    /// the socket while the object hibernates; its messages go to
    /// [`DurableObject::websocket_message`](crate::DurableObject::websocket_message).
    pub fn accept_websocket(&self, ws: &WebSocket, tags: &[&str]) -> Result<()> {
        let inst = self.live_instance()?;
        let rt = inst.rt.clone();
        rt.sockets.accept(ws.id, Accepted::Hibernatable, tags)?;
        rt.sockets.with(ws.id, |s| s.last_epoch = inst.epoch);
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        record_accepted(&inst, ws.id, true, &tags);
        super::hibernation::watch(&inst);
        Ok(())
    }

    /// The object's open hibernatable sockets (closing ones included),
    /// those with `tag` if given, in the order they were made.
    pub fn get_websockets(&self, tag: Option<&str>) -> Vec<WebSocket> {
        let Ok(inst) = self.live_instance() else {
            return Vec::new();
        };
        let rt = inst.rt.clone();
        rt.sockets
            .hibernatable_of(inst.obj)
            .into_iter()
            .filter(|id| {
                tag.is_none_or(|t| {
                    rt.sockets
                        .with(*id, |s| s.tags.iter().any(|x| x == t))
                        .unwrap_or(false)
                })
            })
            .map(|id| WebSocket::new(Rc::downgrade(&rt), id))
            .collect()
    }

    /// The tags `ws` was accepted with.
    pub fn get_tags(&self, ws: &WebSocket) -> Result<Vec<String>> {
        let rt = ws.rt()?;
        rt.sockets
            .with(ws.id, |s| s.tags.clone())
            .ok_or_else(|| Error::type_error("no such WebSocket"))
    }

    /// Sets the object's auto-response: a text message equal to `request`
    /// on any of its hibernatable sockets is answered with `response` by
    /// the runtime, without waking the object. `None` removes it.
    pub fn set_websocket_auto_response(&self, pair: Option<(&str, &str)>) -> Result<()> {
        let inst = self.live_instance()?;
        if let Some((request, response)) = pair {
            check_auto_response(request, response)?;
        }
        inst.rt
            .sockets
            .set_auto_response(inst.obj, pair.map(|(a, b)| (a.to_string(), b.to_string())));
        Ok(())
    }

    /// When the runtime last auto-responded on `ws`.
    pub fn get_websocket_auto_response_timestamp(&self, ws: &WebSocket) -> Option<SystemTime> {
        let rt = ws.rt().ok()?;
        let ms = rt.sockets.with(ws.id, |s| s.auto_response_ms).flatten()?;
        Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(ms.unsigned_abs()))
    }
}
