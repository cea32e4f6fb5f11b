//! Binding KV namespaces from a test.

use crate::platform::kv::{KvNamespace, Service, KIND};
use crate::runtime::client::Client;
use crate::runtime::error::Result;
use crate::sim::faults::FaultKind;
use crate::sim::rng::RunRng;
use crate::sim::seed::Stream;
use crate::trace::What;

use super::Sim;

impl Sim {
    /// Binds a KV namespace to `name` (binding it again returns the same
    /// one), and returns it as seen from the first client. Objects and
    /// Workers reach it with [`Env::kv_namespace`](crate::Env::kv_namespace).
    ///
    /// Binding the run's first KV namespace switches on the plan's KV
    /// faults (`kv_failure`, `kv_slow`, `kv_stale`), recorded as planned.
    pub fn kv_namespace(&self, name: &str) -> Result<KvNamespace> {
        let rt = self.runtime();
        if rt.bindings.kind_of(name) != Some(KIND) {
            let bound = rt.bindings.count_of(KIND);
            let rng = RunRng::new(rt.world.seed.rng_nth(Stream::KvNamespace, bound));
            let service = std::rc::Rc::new(Service::new(name, rng));
            self.bind_service(name, KIND, service)?;
            if bound == 0 {
                let kinds: Vec<FaultKind> = FaultKind::KV_NAMESPACE
                    .iter()
                    .copied()
                    .filter(|k| rt.world.plan.rate(*k) > 0.0)
                    .collect();
                if !kinds.is_empty() {
                    let at = rt.world.config().storage();
                    rt.world.record(at, None, 0, What::FaultsPlanned { kinds });
                }
            }
        }
        self.client(0).kv_namespace(name)
    }
}

impl Client {
    /// The KV namespace bound to `name`, as seen from this client's edge.
    pub fn kv_namespace(&self, name: &str) -> Result<KvNamespace> {
        self.env().kv_namespace(name)
    }
}
