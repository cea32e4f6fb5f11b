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

use futures::channel::oneshot;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::context;
use super::error::{Error, Result};
use super::http::{Request, Response};
use super::id::ObjectId;
use super::inbox::{Incoming, Invocation, Reply};
use super::payload::{Payload, RPC_PAYLOAD_BYTES_MAX};
use super::runtime::{Namespace, Runtime};
use crate::sim::trace::What;
use crate::sim::world_config::LocationId;

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
    next_seq: Cell<u64>,
    broken: RefCell<Option<Error>>,
}

impl<O> Stub<O> {
    pub(crate) fn new(
        rt: Rc<Runtime>,
        namespace: Rc<Namespace>,
        id: ObjectId,
        origin: LocationId,
    ) -> Stub<O> {
        let number = rt.next_stub();
        Stub {
            inner: Rc::new(StubInner {
                rt,
                namespace,
                id,
                origin,
                number,
                next_seq: Cell::new(0),
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
            match invoke(inner, Cow::Borrowed("fetch"), Invocation::Fetch(req)).await? {
                Reply::Fetch(resp) => Ok(resp),
                Reply::Rpc(_) => {
                    unreachable!("invariant reply-matches-call: fetch got an RPC reply")
                }
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
        let inner = self.inner.clone();
        let encoded = encode_args(method, args);
        async move {
            let args = encoded?;
            let invocation = Invocation::Rpc {
                method: method.to_string(),
                args,
            };
            match invoke(inner, Cow::Borrowed(method), invocation).await? {
                Reply::Rpc(payload) => payload.decode(&format!("the result of {method}()")),
                Reply::Fetch(_) => {
                    unreachable!("invariant reply-matches-call: RPC got a fetch reply")
                }
            }
        }
    }
}

fn encode_args<A: Serialize>(method: &str, args: &A) -> Result<Payload> {
    let payload = Payload::encode(args, &format!("an argument of {method}()"))?;
    if payload.len() > RPC_PAYLOAD_BYTES_MAX {
        return Err(Error::range_error(format!(
            "the arguments of {method}() serialize to {} bytes; the limit is {RPC_PAYLOAD_BYTES_MAX} bytes",
            payload.len()
        )));
    }
    Ok(payload)
}

/// One call, end to end.
async fn invoke(
    inner: Rc<StubInner>,
    method: Cow<'static, str>,
    invocation: Invocation,
) -> Result<Reply> {
    if let Some(e) = inner.broken.borrow().clone() {
        return Err(e);
    }
    let rt = inner.rt.clone();
    let world = rt.world.clone();
    let obj = rt.object_ref(&inner.namespace, &inner.id);
    let seq = inner.next_seq.get() + 1;
    inner.next_seq.set(seq);
    let call = rt.next_call();
    let caller = context::current();
    let caller_epoch = caller.as_ref().map_or(0, |c| c.instance.epoch);
    if let Some(ctx) = &caller {
        // A call from an object is output: it waits for the caller's writes.
        if ctx.instance.release_output(ctx.event).await.is_err() {
            return Err(Error::connection_lost());
        }
    }
    world.record(
        inner.origin,
        Some(obj),
        caller_epoch,
        What::CallSent {
            call,
            stub: inner.number,
            seq,
            method,
        },
    );
    let host = rt.host_of(obj);
    madsim::time::sleep(world.network.delay(&world.rng, inner.origin, host)).await;
    let (tx, rx) = oneshot::channel();
    rt.route(
        obj,
        Incoming {
            call,
            stub: inner.number,
            seq,
            invocation,
            reply: tx,
        },
    );
    let reply = rx.await.unwrap_or_else(|_| Err(Error::connection_lost()));
    madsim::time::sleep(world.network.delay(&world.rng, host, inner.origin)).await;
    world.record(
        inner.origin,
        Some(obj),
        caller_epoch,
        What::ReplyReceived {
            call,
            ok: reply.is_ok(),
        },
    );
    if let Err(e) = &reply {
        if !e.remote {
            inner.broken.borrow_mut().get_or_insert_with(|| e.clone());
        }
    }
    reply
}
