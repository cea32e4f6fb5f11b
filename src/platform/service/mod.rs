//! Services the test defines: the payment, email or other HTTP APIs an
//! application calls, stood in for by an async handler the test writes
//! (`sim.service("payments", handler)`).
//!
//! Objects and Workers reach a service through its binding
//! (`env.service("payments")?.fetch(req)`) or by URL (`env.fetch(req)` with
//! `https://payments/…`). Each call crosses the simulated network from the
//! caller's location to the service's and back, each way with that link's
//! latency; the handler runs as a task of its own at the service, never on
//! the caller's logical thread. Inside an object a call is output: it
//! leaves only once the object's writes so far are confirmed, and while it
//! is awaited other events may run, as with a call to another object.
//!
//! Fault model (each a [`FaultKind`](crate::sim::FaultKind) whose rate is
//! a percent of calls while the fault window lasts, or scheduled for the
//! next call with `Fault::ServiceCall`; each recorded in the trace where it
//! hits):
//! - `service_refused`: the connection is refused; the handler never runs
//!   and the caller gets `Network connection lost.` (retryable) after one
//!   round trip, as workerd reports any failed connection.
//! - `service_timeout`: nothing comes back; the caller gives up after
//!   [`SERVICE_TIMEOUT`] with `TimeoutError: The operation was aborted due
//!   to timeout` (what `AbortSignal.timeout` raises). Whether the request got
//!   there — and so whether the handler ran — is drawn from the seed.
//! - `service_error`: the service answers `502` or `503` (body
//!   `error code: 502`) without running the handler.
//! - `service_slow`: the call takes [`SERVICE_SLOW_MS_MAX`] ms more at most.
//! - `service_lost_response`: the handler runs to completion — its state
//!   changes — and its response is lost on the way back: the caller gets
//!   `Network connection lost.` (retryable) and cannot tell whether the
//!   work was done. This is the fault idempotency keys exist for.
//!
//! A run's partitions, crashes and message loss do not reach service calls:
//! the fault kinds above are the whole of what can go wrong with them.

mod call;
mod fault;
mod outbound;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

pub use fault::{SERVICE_SLOW_MS_MAX, SERVICE_TIMEOUT};

use crate::runtime::error::Result;
use crate::runtime::http::{Request, Response};
use crate::runtime::runtime::Runtime;
use crate::sim::world_config::LocationId;

/// The binding kind of a service, as error messages name it.
pub(crate) const KIND: &str = "service";

/// The `Sim` method that binds a service, for error messages.
pub(crate) const SETTER: &str = "Sim::service";

/// A service's handler, type-erased.
pub(crate) type Handler = Rc<dyn Fn(Request) -> Pin<Box<dyn Future<Output = Result<Response>>>>>;

/// One service bound in a run: its name, its handler and where it lives.
pub(crate) struct Host {
    pub(crate) name: String,
    pub(crate) handler: Handler,
    pub(crate) location: LocationId,
}

impl Host {
    /// A service called `name`, answered by `handler`. It lives at the
    /// world's first host: calls pay that host's latency from the caller,
    /// though none of the host's own faults.
    pub(crate) fn new(rt: &Runtime, name: &str, handler: Handler) -> Host {
        let config = rt.world.config();
        let location = config.hosts().next().unwrap_or_else(|| config.storage());
        Host {
            name: name.to_string(),
            handler,
            location,
        }
    }
}

/// A binding to a service, as seen from one location (an object's host, a
/// Worker's or a client's edge). Cheap to clone.
///
/// ```
/// use dosim::{Request, Response};
///
/// dosim::Runner::new("service_doc")
///     .seeds(2)
///     .faults(dosim::Faults::None)
///     .run(|sim: dosim::Sim| async move {
///         let echo = sim.service("echo", |req: Request| async move {
///             Ok(Response::ok(format!("you asked for {}", req.path())))
///         })?;
///         let resp = echo.fetch(Request::get("https://echo/hello")).await?;
///         assert_eq!(resp.text()?, "you asked for /hello");
///         Ok(())
///     })
///     .assert_passed();
/// ```
#[derive(Clone)]
pub struct Service {
    rt: Rc<Runtime>,
    host: Rc<Host>,
    origin: LocationId,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Service({})", self.host.name)
    }
}

impl Service {
    pub(crate) fn new(rt: Rc<Runtime>, host: Rc<Host>, origin: LocationId) -> Service {
        Service { rt, host, origin }
    }

    /// The binding's name.
    pub fn name(&self) -> &str {
        &self.host.name
    }

    /// Sends `req` to the service and waits for its response (see the
    /// module documentation for what may go wrong on the way).
    pub fn fetch(&self, req: Request) -> impl Future<Output = Result<Response>> + 'static {
        let (rt, host, origin) = (self.rt.clone(), self.host.clone(), self.origin);
        async move { call::call(&rt, &host, origin, req).await }
    }
}
