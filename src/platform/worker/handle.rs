//! `WorkerHandle`: a Worker as a client reaches it, by URL.
//!
//! A request runs on a fresh instance of the class at the client's own
//! location, the edge that received it: the client pays no network time to
//! reach its Worker, and the Worker pays the edge-to-host latency to reach
//! an object, like any stub call from that location.

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use super::class::WorkerClass;
use super::invocation::Invocation;
use crate::runtime::client::Client;
use crate::runtime::error::Result;
use crate::runtime::http::{Request, Response};
use crate::runtime::runtime::Runtime;
use crate::sim::world_config::LocationId;

/// A Worker bound to a name, as seen from one client's location.
#[derive(Clone)]
pub struct WorkerHandle {
    rt: Rc<Runtime>,
    class: Rc<WorkerClass>,
    edge: LocationId,
}

impl fmt::Debug for WorkerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerHandle")
            .field("worker", &self.class.name)
            .field("edge", &self.edge)
            .finish()
    }
}

impl WorkerHandle {
    pub(crate) fn new(rt: Rc<Runtime>, class: Rc<WorkerClass>, edge: LocationId) -> WorkerHandle {
        WorkerHandle { rt, class, edge }
    }

    /// The name the Worker is bound to.
    pub fn name(&self) -> &str {
        &self.class.name
    }

    /// Sends `req` to the Worker's `fetch` handler: a fresh instance of the
    /// class handles it at this handle's edge location. The handler's error
    /// (or panic, as an error) is the answer's error; `ctx.wait_until` work
    /// goes on after the answer, for at most
    /// [`WAIT_UNTIL_TIMEOUT`](super::WAIT_UNTIL_TIMEOUT).
    pub fn fetch(&self, req: Request) -> impl Future<Output = Result<Response>> + 'static {
        let invocation = Invocation {
            rt: self.rt.clone(),
            class: self.class.clone(),
            at: self.edge,
        };
        let trigger = format!("{} {}", req.method(), req.path());
        let class = self.class.clone();
        invocation.run(
            trigger,
            move |env, ctx| (class.fetch)(req, env, ctx),
            |resp: &Response| Some(resp.status()),
        )
    }
}

impl Client {
    /// The Worker bound to `name` (with
    /// [`Sim::worker`](crate::Sim::worker)), receiving requests at this
    /// client's location; an error if no Worker has that name.
    pub fn worker(&self, name: &str) -> Result<WorkerHandle> {
        let env = self.runtime().env_at(self.location());
        let class = WorkerClass::find(&env, name)?;
        Ok(WorkerHandle::new(
            self.runtime().clone(),
            class,
            self.location(),
        ))
    }
}
