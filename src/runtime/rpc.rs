//! The pieces `#[dosim::rpc_methods]` (and `rpc!`) expand to: the future a
//! client call returns, the hidden client call every stub offers, and the
//! by-reference dispatcher a twin falls back to.
//!
//! A client call's future owns everything it needs (the stub's connection,
//! the arguments already serialised), so it is `'static` in fact and in its
//! type: `move || ns.get_by_name("x").likes()` compiles, the temporary
//! stub notwithstanding.

use std::borrow::Cow;
use std::rc::Rc;

use futures::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::Result;
use super::object::RpcTarget;
use super::payload::Payload;
use super::stub::Stub;

/// The future of one RPC call made through a client trait. It borrows
/// nothing, so it can outlive the stub it was made from.
pub type RpcFuture<T> = LocalBoxFuture<'static, Result<T>>;

/// The call every stub can make; the supertrait of generated client
/// traits, whose default method bodies use it.
#[doc(hidden)]
pub trait RpcCall {
    /// Calls `method` with a tuple of serialisable arguments.
    fn rpc_call<A: Serialize, R: DeserializeOwned + 'static>(
        &self,
        method: &'static str,
        args: &A,
    ) -> RpcFuture<R>;
}

impl<O> RpcCall for Stub<O> {
    fn rpc_call<A: Serialize, R: DeserializeOwned + 'static>(
        &self,
        method: &'static str,
        args: &A,
    ) -> RpcFuture<R> {
        Box::pin(self.call_method(method, args))
    }
}

/// A class's RPC methods, dispatched through a plain reference, so that a
/// twin holding the class in a field can hand it the methods it does not
/// override.
#[doc(hidden)]
pub trait RpcMethods {
    /// Runs `method` with serialised `args` on `self`.
    fn dispatch_ref<'a>(
        &'a self,
        method: &'a str,
        args: Payload,
    ) -> LocalBoxFuture<'a, Result<Payload>>;
}

/// [`RpcTarget::dispatch`] for a class with a by-reference dispatcher.
#[doc(hidden)]
pub fn dispatch_owned<T: RpcMethods + RpcTarget>(
    this: Rc<T>,
    method: Cow<'static, str>,
    args: Payload,
) -> LocalBoxFuture<'static, Result<Payload>> {
    Box::pin(async move { this.dispatch_ref(&method, args).await })
}
