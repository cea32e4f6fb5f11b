//! Clients: test code running at a client location of the world.

use std::fmt;
use std::future::Future;
use std::rc::Rc;

use super::error::Result;
use super::join::JoinHandle;
use super::namespace::ObjectNamespace;
use super::object::{DurableObject, RpcTarget};
use super::runtime::Runtime;
use crate::sim::world_config::LocationId;

/// A client at one location: its calls start there and pay that location's
/// latency to the object's host.
#[derive(Clone)]
pub struct Client {
    rt: Rc<Runtime>,
    location: LocationId,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Client({})", self.name())
    }
}

impl Client {
    pub(crate) fn new(rt: Rc<Runtime>, location: LocationId) -> Client {
        Client { rt, location }
    }

    /// The bindings as seen from this client's location.
    pub(crate) fn env(&self) -> crate::runtime::env::Env {
        self.rt.env_at(self.location)
    }

    /// The run's runtime, for the layers built on it.
    pub(crate) fn runtime(&self) -> &Rc<Runtime> {
        &self.rt
    }

    /// The client's location.
    pub(crate) fn location(&self) -> LocationId {
        self.location
    }

    /// The location's name (`client-0`, …).
    pub fn name(&self) -> &str {
        &self.rt.world.config().location(self.location).name
    }

    /// The namespace bound to `binding`, as seen from this client.
    pub fn namespace<O: DurableObject + RpcTarget>(
        &self,
        binding: &str,
    ) -> Result<ObjectNamespace<O>> {
        self.rt.env_at(self.location).namespace(binding)
    }

    /// Runs `fut` concurrently with the rest of the test. Awaiting the
    /// handle yields its output, or an error naming this client if the task
    /// was aborted or panicked.
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        JoinHandle::new(crate::sim::world::spawn(&self.rt.world, fut), self.name())
    }
}
