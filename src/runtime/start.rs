//! Building an object on activation: its constructor, then its
//! [`start`](crate::DurableObject::start) hook.
//!
//! The hook is the workerd pattern of a constructor that calls
//! `blockConcurrencyWhile` to load state, without the constructor having to
//! clone what the body needs: `start` borrows the built object. Its
//! guarantees are exactly those of a `block_concurrency_while` body started
//! in the constructor: no event reaches the object until it ends; if it
//! fails, runs past the 30 s limit or panics, the object is reset, the
//! events waiting for it fail with its error, and the next event builds a
//! new instance (which runs `start` again).
//!
//! A hook that finishes without waiting (the default, or one that only
//! uses synchronous storage) is run as part of the constructor and costs
//! nothing; only a hook that must wait opens a blocking event. So adding
//! the hook to the trait changed no existing run.

use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures::future::{ready, LocalBoxFuture};

use super::env::Env;
use super::error::Result;
use super::object::{DurableObject, ErasedObject, RpcTarget};
use super::state::State;

/// Builds an `O` and starts it; runs inside the constructor's event.
pub(crate) fn construct<O: DurableObject + RpcTarget>(
    state: State,
    env: Env,
) -> Rc<dyn ErasedObject> {
    let object = Rc::new(O::new(state.clone(), env));
    let started = object.clone();
    let mut start: LocalBoxFuture<'static, Result<()>> =
        Box::pin(async move { started.start().await });
    // The part of the hook up to its first real wait runs now, as part of
    // the constructor; the block's event polls it again with a real waker.
    let rest = match start.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(Ok(())) => None,
        Poll::Ready(Err(e)) => Some(Box::pin(ready(Err(e))) as LocalBoxFuture<'static, _>),
        Poll::Pending => Some(start),
    };
    if let Some(rest) = rest {
        // The gate closes now; the result reaches no one but the reset.
        drop(state.block_concurrency_while(rest));
    }
    object
}
