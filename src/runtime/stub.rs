//! Stubs: how callers reach an object.
//!
//! A stub is one connection to one object. Calls through it travel the
//! simulated network, with arguments and results serialised, and start on
//! the object in the order they were made (E-order; the receiver restores
//! it). A call made from inside an object first passes that object's output
//! gate, and its reply lets other events in while it is awaited.
//!
//! A stub breaks on the first error the runtime raises for it (a lost
//! connection, a reset): that call and every later one fail with the same
//! error, and the caller must make a new stub, as in production. An error
//! thrown by the object's own code (`remote`) leaves the stub usable.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::call::Call;
use super::context;
use super::error::{Error, Result};
use super::http::{Request, Response};
use super::id::ObjectId;
use super::inbox::Incoming;
use super::instance::Arrival;
use super::payload::{Payload, RPC_PAYLOAD_BYTES_MAX};
use super::reply::{self, ReplyFuture};
use super::runtime::{Namespace, Runtime, Target};
use crate::sim::network::{self, transmit};
use crate::sim::world_config::LocationId;
use crate::trace::{Excerpt, What};

/// A connection to the object of class `O` with one id. Cheap to clone;
/// clones share the connection (and its call order).
pub struct Stub<O> {
    inner: Rc<StubInner>,
    _class: PhantomData<fn() -> O>,
}

impl<O> Clone for Stub<O> {
    fn clone(&self) -> Self {
        Stub {
            inner: self.inner.clone(),
            _class: PhantomData,
        }
    }
}

impl<O> fmt::Debug for Stub<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stub")
            .field("namespace", &self.inner.namespace.binding)
            .field("id", &self.inner.id)
            .finish()
    }
}

struct StubInner {
    rt: Rc<Runtime>,
    namespace: Rc<Namespace>,
    id: ObjectId,
    origin: LocationId,
    number: u64,
    /// The object's number in the run, once a call has placed it: looked
    /// up once per stub rather than once per call.
    obj: Cell<Option<crate::trace::ObjectRef>>,
    next_seq: Cell<u64>,
    /// The instance (epoch) this stub's calls go to, and the number of its
    /// first call there. "Pinned", not "bound": a binding is a name in
    /// `Env`.
    pinned: Cell<Option<(u32, u64)>>,
    /// Positions of this stub's calls that went out and have not settled,
    /// in order: a sorted vector, as a stub rarely has more than a few out
    /// at once (a tree walked its nodes for each insert and removal).
    unsettled: RefCell<Vec<u64>>,
    broken: RefCell<Option<Error>>,
}

impl StubInner {
    /// The call at position `seq` settled (or was cut off).
    fn forget_unsettled(&self, seq: u64) {
        let mut unsettled = self.unsettled.borrow_mut();
        if let Ok(at) = unsettled.binary_search(&seq) {
            unsettled.remove(at);
        }
    }
}

impl<O> Stub<O> {
    pub(crate) fn new(
        rt: Rc<Runtime>,
        namespace: Rc<Namespace>,
        id: ObjectId,
        origin: LocationId,
    ) -> Stub<O> {
        let number = rt.next_lane();
        Stub {
            inner: Rc::new(StubInner {
                rt,
                namespace,
                id,
                origin,
                number,
                obj: Cell::new(None),
                next_seq: Cell::new(0),
                pinned: Cell::new(None),
                unsettled: RefCell::new(Vec::new()),
                broken: RefCell::new(None),
            }),
            _class: PhantomData,
        }
    }

    /// The id of the object this stub reaches.
    pub fn id(&self) -> &ObjectId {
        &self.inner.id
    }

    /// Sends an HTTP request to the object's `fetch` handler.
    pub fn fetch(&self, req: Request) -> impl Future<Output = Result<Response>> + 'static {
        let inner = self.inner.clone();
        async move {
            let (reply, answer) = reply::channel();
            invoke(
                inner,
                Cow::Borrowed("fetch"),
                Call::Fetch { req, reply },
                answer,
            )
            .await
        }
    }

    /// Opens a WebSocket to the object: sends `req` as an upgrade request
    /// to its `fetch`, which must answer with
    /// [`Response::websocket`](crate::Response::websocket).
    pub fn connect(
        &self,
        req: Request,
    ) -> impl Future<Output = Result<crate::runtime::websocket::ClientSocket>> + 'static {
        let inner = self.inner.clone();
        let req = req.with_header("Upgrade", "websocket");
        async move {
            let (rt, origin) = (inner.rt.clone(), inner.origin);
            let (reply, answer) = reply::channel();
            let call = Call::Fetch { req, reply };
            let resp = invoke(inner, Cow::Borrowed("fetch"), call, answer).await?;
            match resp.websocket_id() {
                Some(id) => Ok(crate::runtime::websocket::ClientSocket::new(rt, id, origin)),
                None => Err(Error::new(format!(
                    "the object did not accept the WebSocket: it answered {} {}",
                    resp.status(),
                    String::from_utf8_lossy(resp.body())
                ))),
            }
        }
    }

    /// Calls the RPC method `method` with a tuple of arguments. Generated
    /// client traits (see [`rpc!`](crate::rpc)) call this; prefer them.
    #[doc(hidden)]
    pub fn call_method<A: Serialize, R: DeserializeOwned>(
        &self,
        method: &'static str,
        args: &A,
    ) -> impl Future<Output = Result<R>> + 'static {
        let encoded = encode_args(method, args);
        let inner = self.inner.clone();
        // The call's future is made inside this one, not beside it: held
        // as a value and then awaited, it was laid out three times over
        // (about 2 KB per call instead of 0.7).
        async move {
            let payload = send_rpc(inner, Cow::Borrowed(method), encoded?).await?;
            payload.decode(|| format!("the result of {method}()"))
        }
    }

    /// Calls the RPC method `method` with arguments already serialised
    /// (a JSON array); the result stays serialised.
    #[cfg(feature = "js")]
    pub(crate) fn call_payload(
        &self,
        method: Cow<'static, str>,
        args: Payload,
    ) -> impl Future<Output = Result<Payload>> + 'static {
        send_rpc(self.inner.clone(), method, args)
    }
}

/// One RPC call through the stub `inner`, its arguments serialised.
async fn send_rpc(
    inner: Rc<StubInner>,
    method: Cow<'static, str>,
    args: Payload,
) -> Result<Payload> {
    let (reply, answer) = reply::channel();
    let call = Call::Rpc {
        method: method.clone(),
        args,
        reply,
    };
    invoke(inner, method, call, answer).await
}

fn encode_args<A: Serialize>(method: &str, args: &A) -> Result<Payload> {
    let payload = Payload::encode(args, || format!("an argument of {method}()"))?;
    if payload.len() > RPC_PAYLOAD_BYTES_MAX {
        return Err(Error::range_error(format!(
            "the arguments of {method}() serialize to {} bytes; the limit is {RPC_PAYLOAD_BYTES_MAX} bytes",
            payload.len()
        )));
    }
    Ok(payload)
}

/// Attempts the runtime makes to deliver one call whose request is lost.
pub const CALL_ATTEMPTS_MAX: u32 = 5;

/// One call, end to end.
///
/// The request is sent again (same call number) while it is lost on the
/// way, at most [`CALL_ATTEMPTS_MAX`] times; it can never run twice, since
/// a lost request never arrived. A lost reply leaves the outcome unknown:
/// the caller gets a lost connection, though the call may have run.
async fn invoke<T: Answer>(
    inner: Rc<StubInner>,
    method: Cow<'static, str>,
    request: Call,
    mut answer: ReplyFuture<Result<T>>,
) -> Result<T> {
    if let Some(e) = inner.broken.borrow().clone() {
        return Err(e);
    }
    let rt = inner.rt.clone();
    let world = rt.world.clone();
    let obj = rt.object_ref_cached(&inner.obj, &inner.namespace, &inner.id);
    let seq = inner.next_seq.get() + 1;
    inner.next_seq.set(seq);
    let call = rt.next_delivery();
    let caller = context::current();
    let caller_epoch = caller.as_ref().map_or(0, |c| c.instance.epoch);
    let from = caller.as_ref().map(|c| c.instance.obj);
    let args = match &request {
        Call::Rpc { args, .. } => Some(Excerpt::recurring(args.bytes())),
        Call::Fetch { req, .. } => Some(Excerpt::recurring(req.url().as_bytes())),
    };
    if let Some(ctx) = &caller {
        // A call from an object is output: it waits for the caller's writes.
        if ctx.instance.release_output(ctx.event).await.is_err() {
            return Err(Error::connection_lost());
        }
    }
    wait_unpaused(&world, inner.origin).await;
    world.record(
        inner.origin,
        Some(obj),
        caller_epoch,
        What::CallSent {
            call,
            stub: crate::trace::narrow_count(inner.number),
            seq: crate::trace::narrow_count(seq),
            method,
            from,
            args,
        },
    );
    let mut open = OpenCall::new(&world, &inner, obj, caller_epoch, call, seq);
    let Some(mut target) = pin(&inner, obj, seq) else {
        open.settle(None, false);
        return Err(break_stub(&inner, obj, Error::connection_lost()));
    };
    let mut attempt = 1;
    while transmit(&world, inner.origin, target.host).await.is_err() {
        let to = target.host;
        open.note(What::MessageDropped { call, to });
        if attempt == CALL_ATTEMPTS_MAX {
            open.settle(None, false);
            return Err(break_stub(&inner, obj, Error::connection_lost()));
        }
        attempt += 1;
        open.note(What::CallRetried { call, attempt });
        madsim::time::sleep(Duration::from_millis(10 << attempt)).await;
        let Some(next) = pin(&inner, obj, seq) else {
            open.settle(None, false);
            return Err(break_stub(&inner, obj, Error::connection_lost()));
        };
        target = next;
    }
    let first_seq = inner.pinned.get().map_or(seq, |(_, first)| first);
    let host = target.host;
    answer.travel_back(reply::WayBack {
        world: world.clone(),
        from: host,
        to: inner.origin,
    });
    rt.route(
        obj,
        target,
        Incoming {
            number: call,
            lane: inner.number,
            seq,
            first_seq,
            arrival: Arrival::Call(request),
        },
    );
    let mut reply = answer
        .await
        .unwrap_or_else(|_| Err(Error::connection_lost()));
    if network::arrival(&world, host, inner.origin).is_err() {
        world.record(
            host,
            Some(obj),
            caller_epoch,
            What::MessageDropped {
                call,
                to: inner.origin,
            },
        );
        reply = Err(Error::connection_lost());
    }
    wait_unpaused(&world, inner.origin).await;
    open.settle(reply.as_ref().ok().and_then(Answer::excerpt), reply.is_ok());
    match reply {
        Err(e) if !e.remote => Err(break_stub(&inner, obj, e)),
        // A stub that broke while this call was out fails it too.
        Ok(_) | Err(_) if inner.broken.borrow().is_some() => Err(inner
            .broken
            .borrow()
            .clone()
            .unwrap_or_else(Error::connection_lost)),
        other => other,
    }
}

/// What a trace line shows of a call's answer.
trait Answer {
    fn excerpt(&self) -> Option<Excerpt>;
}

impl Answer for Payload {
    fn excerpt(&self) -> Option<Excerpt> {
        Some(Excerpt::new(&self.0))
    }
}

impl Answer for Response {
    fn excerpt(&self) -> Option<Excerpt> {
        None
    }
}

/// A call that went out and has not settled. Settling records the reply;
/// dropping it unsettled (the caller gave up on the future) records the
/// call as abandoned, so the liveness check can tell a hang from a caller
/// that stopped waiting.
struct OpenCall {
    world: Rc<crate::sim::world::World>,
    stub: Rc<StubInner>,
    obj: crate::trace::ObjectRef,
    epoch: u32,
    call: u64,
    seq: u64,
    settled: bool,
}

impl OpenCall {
    fn new(
        world: &Rc<crate::sim::world::World>,
        stub: &Rc<StubInner>,
        obj: crate::trace::ObjectRef,
        epoch: u32,
        call: u64,
        seq: u64,
    ) -> OpenCall {
        world.call_opened();
        {
            // Calls of one stub may open out of order (one waits for its
            // caller's output, a later one does not).
            let mut unsettled = stub.unsettled.borrow_mut();
            let at = unsettled.partition_point(|&s| s < seq);
            unsettled.insert(at, seq);
        }
        OpenCall {
            world: world.clone(),
            stub: stub.clone(),
            obj,
            epoch,
            call,
            seq,
            settled: false,
        }
    }

    /// Records a step of this call at the caller.
    fn note(&self, what: What) {
        self.world
            .record(self.stub.origin, Some(self.obj), self.epoch, what);
    }

    /// The call settled (answered or failed).
    fn settle(&mut self, result: Option<Excerpt>, ok: bool) {
        let call = self.call;
        self.close(What::ReplyReceived { call, ok, result });
    }

    fn close(&mut self, what: What) {
        self.settled = true;
        self.stub.forget_unsettled(self.seq);
        self.world.call_closed();
        self.note(what);
    }
}

impl Drop for OpenCall {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        if self.world.is_ending() {
            // Cut off by the harness, not given up by its caller.
            self.stub.forget_unsettled(self.seq);
        } else {
            let call = self.call;
            self.close(What::CallAbandoned { call });
        }
    }
}

/// Where call `seq` goes: the stub's instance while it lives; otherwise
/// the stub pins itself to the object's current instance from this call on.
///
/// A broken stub pins nothing. Re-pinning is only safe when every earlier
/// call of the stub has settled
/// (an idle instance was evicted). If an earlier call is still out, the
/// connection broke under it: this call fails (`None`) instead of starting
/// on a new instance ahead of its elders, which would break E-order.
fn pin(inner: &StubInner, obj: crate::trace::ObjectRef, seq: u64) -> Option<Target> {
    // A stub that broke while this call was being resent fails it: every
    // in-flight call of a broken stub fails.
    if inner.broken.borrow().is_some() {
        return None;
    }
    let pinned = inner.pinned.get();
    let target = inner.rt.target(obj, pinned.map(|(epoch, _)| epoch));
    if pinned.map(|(epoch, _)| epoch) != Some(target.epoch) {
        if pinned.is_some() && inner.unsettled.borrow().first().is_some_and(|&s| s < seq) {
            return None;
        }
        inner.pinned.set(Some((target.epoch, seq)));
    }
    Some(target)
}

/// Breaks the stub with `error` (the first error wins) and fails its calls
/// still waiting at the object; returns the stub's error.
fn break_stub(inner: &StubInner, obj: crate::trace::ObjectRef, error: Error) -> Error {
    let error = inner.broken.borrow_mut().get_or_insert(error).clone();
    if let Some((epoch, _)) = inner.pinned.get() {
        inner.rt.break_stub(obj, epoch, inner.number, &error);
    }
    error
}

/// A paused client does nothing until its pause ends.
async fn wait_unpaused(world: &crate::sim::world::World, origin: LocationId) {
    loop {
        let left = world.faults.paused_for(origin, || world.now());
        if left.is_zero() {
            return;
        }
        madsim::time::sleep(left).await;
    }
}
