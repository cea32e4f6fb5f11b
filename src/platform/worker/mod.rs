//! The Worker entry: the stateless code in front of the objects.
//!
//! A Worker class handles a request, a batch of queue messages or a cron
//! trigger. Each invocation gets a fresh instance of the class, at the
//! caller's edge location, so nothing a Worker keeps in its fields survives
//! from one request to the next, as in production, where an isolate may or
//! may not be reused and code must not rely on either. It reaches objects
//! and services through the same [`Env`] bindings an object has.

mod class;
mod context;
pub(crate) mod cron;
mod handle;
mod invocation;
mod scheduled;

use std::future::Future;

pub(crate) use class::WorkerClass;
pub use context::{Context, WAIT_UNTIL_TIMEOUT};
pub(crate) use cron::{start as start_cron, Schedule};
pub use handle::WorkerHandle;
pub use scheduled::ScheduledEvent;

use super::queue::MessageBatch;
use crate::runtime::env::Env;
use crate::runtime::error::{Error, Result};
use crate::runtime::http::{Request, Response};

/// A Worker class: the handlers of a Worker script.
///
/// Every handler has a default that fails with the error workerd gives
/// for a script that does not export it.
///
/// ```
/// use dosim::{Env, Request, Response, Result};
/// use dosim::platform::worker::{Context, Worker};
///
/// #[derive(Default)]
/// struct Front;
///
/// impl Worker for Front {
///     async fn fetch(&self, req: Request, _env: Env, _ctx: Context) -> Result<Response> {
///         Ok(Response::ok(format!("hello from {}", req.path())))
///     }
/// }
/// ```
pub trait Worker: Default + 'static {
    /// Handles an HTTP request.
    fn fetch(
        &self,
        req: Request,
        env: Env,
        ctx: Context,
    ) -> impl Future<Output = Result<Response>> {
        let _ = (req, env, ctx);
        async {
            Err(Error::type_error(
                "Handler does not export a fetch() function.",
            ))
        }
    }

    /// Handles a batch of messages from a queue this Worker consumes.
    /// Messages neither acknowledged nor retried one by one are
    /// acknowledged together when the handler returns `Ok`, and retried
    /// together when it returns `Err`.
    fn queue(
        &self,
        batch: MessageBatch,
        env: Env,
        ctx: Context,
    ) -> impl Future<Output = Result<()>> {
        let _ = (batch, env, ctx);
        async {
            Err(Error::type_error(
                "Handler does not export a queue() function.",
            ))
        }
    }

    /// Handles a cron trigger.
    fn scheduled(
        &self,
        event: ScheduledEvent,
        env: Env,
        ctx: Context,
    ) -> impl Future<Output = Result<()>> {
        let _ = (event, env, ctx);
        async {
            Err(Error::type_error(
                "Handler does not export a scheduled() function.",
            ))
        }
    }
}
