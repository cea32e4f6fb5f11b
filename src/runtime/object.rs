//! What a user writes: the `DurableObject` trait and its RPC methods.
//!
//! An object is built from its [`State`] and [`Env`] on every activation and
//! handles events through `&self`; its mutable state lives in `Cell` and
//! `RefCell` fields, as in single-threaded JavaScript. RPC methods are
//! written once, in an `impl` block marked
//! [`#[rpc_methods]`](crate::rpc_methods) (or inside [`rpc!`](crate::rpc)),
//! which also generates the typed client trait that [`Stub`](crate::Stub)
//! implements.

use std::borrow::Cow;
use std::future::Future;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use super::env::Env;
use super::error::{Error, Result};
use super::http::{Request, Response};
use super::payload::Payload;
use super::state::State;
use super::websocket::{Message, SocketEvent, WebSocket};

/// A Durable Object class.
///
/// ```
/// use std::cell::Cell;
/// use dosim::{DurableObject, Env, Request, Response, Result, State};
///
/// struct Hits { state: State, seen: Cell<u64> }
///
/// impl DurableObject for Hits {
///     fn new(state: State, _env: Env) -> Self {
///         Hits { state, seen: Cell::new(0) }
///     }
///
///     async fn fetch(&self, _req: Request) -> Result<Response> {
///         let n: u64 = self.state.storage().get("n").await?.unwrap_or(0);
///         self.state.storage().put("n", &(n + 1)).await?;
///         self.seen.set(self.seen.get() + 1);
///         Ok(Response::ok((n + 1).to_string()))
///     }
/// }
/// impl dosim::RpcTarget for Hits {}
/// ```
pub trait DurableObject: Sized + 'static {
    /// Builds the object; runs on every activation, before its first event.
    fn new(state: State, env: Env) -> Self;

    /// Runs once per activation, right after [`new`](Self::new), before any
    /// event reaches the object: the place to load state with awaits and
    /// errors, as a workerd constructor does inside
    /// `blockConcurrencyWhile`, without cloning `State` into the body.
    ///
    /// It runs as a [`block_concurrency_while`](State::block_concurrency_while)
    /// body: events wait until it ends. If it fails (or panics, or runs
    /// past [`BLOCK_CONCURRENCY_TIMEOUT`](crate::limits::BLOCK_CONCURRENCY_TIMEOUT)),
    /// the object is reset: the events waiting get its error, and the next
    /// event builds a new instance, which starts again. The default does
    /// nothing.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use dosim::{DurableObject, Env, Result, State};
    ///
    /// struct Visits { state: State, count: Cell<u64> }
    ///
    /// impl DurableObject for Visits {
    ///     fn new(state: State, _env: Env) -> Self {
    ///         Visits { state, count: Cell::new(0) }
    ///     }
    ///
    ///     async fn start(&self) -> Result<()> {
    ///         self.count.set(self.state.storage().get("count").await?.unwrap_or(0));
    ///         Ok(())
    ///     }
    /// }
    ///
    /// #[dosim::rpc_methods(VisitsRpc)]
    /// impl Visits {
    ///     async fn visit(&self) -> Result<u64> {
    ///         let n = self.count.get() + 1;
    ///         self.state.storage().put("count", &n).await?;
    ///         self.count.set(n);
    ///         Ok(n)
    ///     }
    /// }
    /// ```
    fn start(&self) -> impl Future<Output = Result<()>> {
        async { Ok(()) }
    }

    /// Handles an HTTP request sent with [`Stub::fetch`](crate::Stub::fetch).
    /// The default answers 501, as a class without a fetch handler does.
    fn fetch(&self, req: Request) -> impl Future<Output = Result<Response>> {
        let _ = req;
        async {
            Err(Error::type_error(
                "Handler does not export a fetch() function.",
            ))
        }
    }

    /// Runs when the object's alarm is due (see
    /// [`Storage::set_alarm`](crate::Storage::set_alarm)). An `Err` (or a
    /// panic, or a crash meanwhile) makes the runtime retry it with
    /// exponential backoff, at most [`ALARM_RETRIES_MAX`](crate::ALARM_RETRIES_MAX)
    /// times; `info` says which try this is. The default fails, as a class
    /// without an alarm handler does.
    fn alarm(&self, info: AlarmInfo) -> impl Future<Output = Result<()>> {
        let _ = info;
        async {
            Err(Error::type_error(
                "Handler does not export an alarm() function.",
            ))
        }
    }

    /// A message arrived on a socket the object accepted. Messages of one
    /// socket are handled one after another; sockets interleave.
    fn websocket_message(
        &self,
        ws: WebSocket,
        message: Message,
    ) -> impl Future<Output = Result<()>> {
        let _ = (ws, message);
        async {
            Err(Error::type_error(
                "Handler does not export a webSocketMessage() function.",
            ))
        }
    }

    /// The client closed a socket (once per socket, after its last
    /// message). The default does nothing.
    fn websocket_close(
        &self,
        ws: WebSocket,
        code: u16,
        reason: String,
        was_clean: bool,
    ) -> impl Future<Output = Result<()>> {
        let _ = (ws, code, reason, was_clean);
        async { Ok(()) }
    }

    /// A socket failed. The default does nothing.
    fn websocket_error(&self, ws: WebSocket, error: Error) -> impl Future<Output = Result<()>> {
        let _ = (ws, error);
        async { Ok(()) }
    }
}

/// What an alarm handler is told about its run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlarmInfo {
    /// 0 on the first try, then 1, 2, … on each retry.
    pub retry_count: u32,
    /// Whether this is a retry (`retry_count > 0`).
    pub is_retry: bool,
}

impl AlarmInfo {
    pub(crate) fn new(retry_count: u32) -> AlarmInfo {
        AlarmInfo {
            retry_count,
            is_retry: retry_count > 0,
        }
    }
}

/// The RPC side of an object: generated by
/// [`#[rpc_methods]`](crate::rpc_methods). An object
/// without RPC methods implements it empty: `impl dosim::RpcTarget for T {}`.
pub trait RpcTarget: Sized + 'static {
    /// Runs the method called `method` with serialised `args`. The name
    /// comes owned (a generated client's names are static, so that costs
    /// no copy) because the returned future outlives the call.
    #[doc(hidden)]
    fn dispatch(
        this: Rc<Self>,
        method: Cow<'static, str>,
        args: Payload,
    ) -> LocalBoxFuture<'static, Result<Payload>> {
        let _ = (this, args);
        no_such_method(&method)
    }
}

/// The error for a call to a method the object does not have.
#[doc(hidden)]
pub fn no_such_method(method: &str) -> LocalBoxFuture<'static, Result<Payload>> {
    let e = Error::type_error(format!(
        "The RPC receiver does not implement the method \"{method}\"."
    ));
    Box::pin(async move { Err(e) })
}

/// An object of any class, as the runtime holds it.
pub(crate) trait ErasedObject {
    fn fetch_erased(self: Rc<Self>, req: Request) -> LocalBoxFuture<'static, Result<Response>>;
    fn call_erased(
        self: Rc<Self>,
        method: Cow<'static, str>,
        args: Payload,
    ) -> LocalBoxFuture<'static, Result<Payload>>;
    fn alarm_erased(self: Rc<Self>, info: AlarmInfo) -> LocalBoxFuture<'static, Result<()>>;
    fn socket_erased(
        self: Rc<Self>,
        ws: WebSocket,
        event: SocketEvent,
    ) -> LocalBoxFuture<'static, Result<()>>;
}

impl<O: DurableObject + RpcTarget> ErasedObject for O {
    fn fetch_erased(self: Rc<Self>, req: Request) -> LocalBoxFuture<'static, Result<Response>> {
        Box::pin(async move { DurableObject::fetch(&*self, req).await })
    }

    fn call_erased(
        self: Rc<Self>,
        method: Cow<'static, str>,
        args: Payload,
    ) -> LocalBoxFuture<'static, Result<Payload>> {
        O::dispatch(self, method, args)
    }

    fn alarm_erased(self: Rc<Self>, info: AlarmInfo) -> LocalBoxFuture<'static, Result<()>> {
        Box::pin(async move { DurableObject::alarm(&*self, info).await })
    }

    fn socket_erased(
        self: Rc<Self>,
        ws: WebSocket,
        event: SocketEvent,
    ) -> LocalBoxFuture<'static, Result<()>> {
        Box::pin(async move {
            match event {
                SocketEvent::Message(m) => DurableObject::websocket_message(&*self, ws, m).await,
                SocketEvent::Close {
                    code,
                    reason,
                    was_clean,
                } => DurableObject::websocket_close(&*self, ws, code, reason, was_clean).await,
                SocketEvent::Error(message) => {
                    DurableObject::websocket_error(&*self, ws, Error::new(message)).await
                }
            }
        })
    }
}

/// Writes RPC methods once, on the object and as a typed client trait
/// implemented by the object's [`Stub`](crate::Stub): the `macro_rules!`
/// form of [`rpc_methods`](crate::rpc_methods).
///
/// Prefer the attribute: rustfmt formats its body, it accepts any
/// `Result` path and `&str` arguments, and a twin can reuse its original's
/// methods. This form stays for code written against it; its methods must
/// be spelled `-> Result<T>` exactly, and take owned arguments.
///
/// Each method is an `async fn(&self, args…) -> Result<T>`; arguments and
/// results must be serde types, and really are serialised across the
/// simulated network. Two forms:
///
/// - `pub trait CounterRpc for Counter { … }` declares the client trait
///   `CounterRpc` and implements it for `Stub<Counter>`;
/// - `impl CounterRpc for OtherCounter { … }` implements an existing client
///   trait for another class with the same methods (a buggy twin, a fake),
///   so one workload can drive both.
///
/// ```
/// use std::cell::Cell;
/// use dosim::{DurableObject, Env, State};
///
/// struct Counter { value: Cell<u64> }
/// impl DurableObject for Counter {
///     fn new(_state: State, _env: Env) -> Self { Counter { value: Cell::new(0) } }
/// }
///
/// dosim::rpc! {
///     /// Calls to a counter through its stub.
///     pub trait CounterRpc for Counter {
///         /// Adds `by`; returns the new value.
///         pub async fn add(&self, by: u64) -> Result<u64> {
///             self.value.set(self.value.get() + by);
///             Ok(self.value.get())
///         }
///     }
/// }
///
/// struct Doubler { value: Cell<u64> }
/// impl DurableObject for Doubler {
///     fn new(_state: State, _env: Env) -> Self { Doubler { value: Cell::new(0) } }
/// }
///
/// dosim::rpc! {
///     impl CounterRpc for Doubler {
///         pub async fn add(&self, by: u64) -> Result<u64> {
///             self.value.set(self.value.get() + 2 * by);
///             Ok(self.value.get())
///         }
///     }
/// }
/// // `stub.add(2).await` now works on a `Stub<Counter>` and a `Stub<Doubler>`.
/// ```
#[macro_export]
macro_rules! rpc {
    (
        $(#[$client_meta:meta])*
        $client_vis:vis trait $client:ident for $ty:ident {
            $(
                $(#[$meta:meta])*
                $vis:vis async fn $name:ident(&$self_:ident $(, $arg:ident : $argty:ty)* $(,)?) -> Result<$ret:ty>
                $body:block
            )*
        }
    ) => {
        $(#[$client_meta])*
        $client_vis trait $client: $crate::__private::RpcCall {
            $(
                $(#[$meta])*
                fn $name(&self $(, $arg: $argty)*) -> $crate::RpcFuture<$ret> {
                    $crate::__private::RpcCall::rpc_call(self, ::core::stringify!($name), &($($arg,)*))
                }
            )*
        }

        $crate::rpc! {
            impl $client for $ty {
                $(
                    $(#[$meta])*
                    $vis async fn $name(&$self_ $(, $arg : $argty)*) -> Result<$ret> $body
                )*
            }
        }
    };
    (
        impl $client:ident for $ty:ident {
            $(
                $(#[$meta:meta])*
                $vis:vis async fn $name:ident(&$self_:ident $(, $arg:ident : $argty:ty)* $(,)?) -> Result<$ret:ty>
                $body:block
            )*
        }
    ) => {
        impl $ty {
            $(
                $(#[$meta])*
                $vis async fn $name(&$self_ $(, $arg: $argty)*) -> $crate::Result<$ret> $body
            )*
        }

        impl $crate::__private::RpcMethods for $ty {
            #[allow(unused_variables)]
            fn dispatch_ref<'a>(
                &'a self,
                method: &'a str,
                args: $crate::__private::Payload,
            ) -> $crate::__private::LocalBoxFuture<'a, $crate::Result<$crate::__private::Payload>> {
                match method {
                    $(
                        ::core::stringify!($name) => ::std::boxed::Box::pin(async move {
                            let ($($arg,)*): ($($argty,)*) =
                                $crate::__private::decode_args(&args, ::core::stringify!($name))?;
                            let out: $ret = self.$name($($arg),*).await?;
                            $crate::__private::encode_result(&out, ::core::stringify!($name))
                        }),
                    )*
                    other => $crate::__private::no_such_method(other),
                }
            }
        }

        // Its own match, not `dispatch_ref` inside an owning future: that
        // would box and poll every call twice.
        impl $crate::RpcTarget for $ty {
            #[allow(unused_variables)]
            fn dispatch(
                this: ::std::rc::Rc<Self>,
                method: ::std::borrow::Cow<'static, str>,
                args: $crate::__private::Payload,
            ) -> $crate::__private::LocalBoxFuture<'static, $crate::Result<$crate::__private::Payload>> {
                match &*method {
                    $(
                        ::core::stringify!($name) => ::std::boxed::Box::pin(async move {
                            let ($($arg,)*): ($($argty,)*) =
                                $crate::__private::decode_args(&args, ::core::stringify!($name))?;
                            let out: $ret = this.$name($($arg),*).await?;
                            $crate::__private::encode_result(&out, ::core::stringify!($name))
                        }),
                    )*
                    other => $crate::__private::no_such_method(other),
                }
            }
        }

        impl $client for $crate::Stub<$ty> {}
    };
}
