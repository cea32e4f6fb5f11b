//! `sim.service(..)`: the test defines an external service and binds it.

use std::future::Future;
use std::rc::Rc;

use super::Sim;
use crate::platform::service::{Handler, Host, Service, KIND};
use crate::runtime::error::Result;
use crate::runtime::http::{Request, Response};
use crate::sim::faults::FaultKind;
use crate::trace::What;

impl Sim {
    /// Binds `name` to a service answered by `handler`, and returns it as
    /// seen from the first client. Objects and Workers reach it with
    /// [`Env::service`](crate::Env::service) or by URL with
    /// [`Env::fetch`](crate::Env::fetch) (`https://<name>/…`). The handler
    /// may keep state the test reads afterwards (an `Rc<RefCell<..>>` it
    /// captured). Binding the name again replaces the handler; a name bound
    /// to another kind is an error.
    ///
    /// From here on the run's service fault kinds apply to calls (see
    /// [`platform::service`](crate::platform::service)).
    pub fn service<F, Fut>(&self, name: &str, handler: F) -> Result<Service>
    where
        F: Fn(Request) -> Fut + 'static,
        Fut: Future<Output = Result<Response>> + 'static,
    {
        let rt = self.runtime();
        let handler: Handler = Rc::new(move |req| Box::pin(handler(req)));
        let host = Rc::new(Host::new(rt, name, handler));
        let first = rt.bindings.kind_of(name).is_none();
        self.bind_service(name, KIND, host.clone())?;
        let world = &rt.world;
        let kinds: Vec<FaultKind> = FaultKind::SERVICE
            .iter()
            .copied()
            .filter(|k| {
                world.plan.rate(*k) > 0.0
                    || world.plan.schedule().iter().any(|s| s.fault.kind() == *k)
            })
            .collect();
        if first && !kinds.is_empty() {
            world.record(host.location, None, 0, What::FaultsPlanned { kinds });
        }
        let origin = world.config().clients().next().unwrap_or(host.location);
        Ok(Service::new(rt.clone(), host, origin))
    }
}
