//! `Sim`: the handle a test body drives the world with.

use std::any::TypeId;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::runtime::binding_table::Binding;
use crate::runtime::client::Client;
use crate::runtime::error::{Error, Result};
use crate::runtime::id::ObjectId;
use crate::runtime::namespace::ObjectNamespace;
use crate::runtime::object::{DurableObject, RpcTarget};
use crate::runtime::payload::Payload;
use crate::runtime::runtime::Runtime;
use crate::sim::seed::Seed;
use crate::trace::What;

/// The simulated world, as a test body sees it: register object classes,
/// get clients, spawn concurrent work, inspect storage.
///
/// ```
/// # use std::cell::Cell;
/// # use dosim::{DurableObject, Env, State};
/// # struct Noop;
/// # impl DurableObject for Noop { fn new(_: State, _: Env) -> Self { Noop } }
/// # impl dosim::RpcTarget for Noop {}
/// let report = dosim::Runner::new("doc_sim").seeds(2).run(|sim: dosim::Sim| async move {
///     let ns = sim.register::<Noop>("NOOP")?;
///     assert_eq!(sim.clients().len(), 3);
///     assert_eq!(ns.binding(), "NOOP");
///     Ok(())
/// });
/// assert!(report.passed());
/// ```
#[derive(Clone)]
pub struct Sim {
    rt: Rc<Runtime>,
}

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sim(seed {})", self.seed())
    }
}

impl Sim {
    pub(crate) fn new(rt: Rc<Runtime>) -> Sim {
        Sim { rt }
    }

    /// The run's seed.
    pub fn seed(&self) -> Seed {
        self.rt.world.seed
    }

    /// Binds class `O` to `binding`, and returns its namespace as seen from
    /// the first client. Objects reach it through their `Env` by the same
    /// name. Binding a name twice to one class is harmless; to two classes,
    /// an error.
    pub fn register<O: DurableObject + RpcTarget>(
        &self,
        binding: &str,
    ) -> Result<ObjectNamespace<O>> {
        let factory: crate::runtime::runtime::Factory =
            Rc::new(crate::runtime::start::construct::<O>);
        self.rt.register(
            binding,
            TypeId::of::<O>(),
            std::any::type_name::<O>(),
            factory,
        )?;
        self.client(0).namespace(binding)
    }

    /// Binds the plain-text variable `name` to `value`, for objects (and
    /// clients) to read with [`Env::var`](crate::Env::var). Setting it
    /// again replaces the value; a name already bound to another kind (a
    /// namespace, a secret) is an error.
    pub fn set_var(&self, name: &str, value: impl Into<String>) -> Result<()> {
        self.bind(name, Binding::Var(value.into()))
    }

    /// Binds the secret `name` to `value`, for
    /// [`Env::secret`](crate::Env::secret); as [`set_var`](Self::set_var)
    /// otherwise.
    pub fn set_secret(&self, name: &str, value: impl Into<String>) -> Result<()> {
        self.bind(name, Binding::Secret(value.into()))
    }

    fn bind(&self, name: &str, binding: Binding) -> Result<()> {
        if self.rt.is_namespace(name) {
            return Err(Error::type_error(format!(
                "binding `{name}` is already a namespace, not a {}",
                binding.kind()
            )));
        }
        self.rt.bindings.set(name, binding)
    }

    /// The client at the `index`-th client location.
    ///
    /// # Panics
    /// If the world has no such client.
    pub fn client(&self, index: usize) -> Client {
        let clients: Vec<_> = self.rt.world.config().clients().collect();
        match clients.get(index) {
            Some(loc) => Client::new(self.rt.clone(), *loc),
            None => panic!(
                "client {index} does not exist: this world has {} client locations (see WorldConfig::new)",
                clients.len()
            ),
        }
    }

    /// Every client, in location order.
    pub fn clients(&self) -> Vec<Client> {
        self.rt
            .world
            .config()
            .clients()
            .map(|loc| Client::new(self.rt.clone(), loc))
            .collect()
    }

    /// Runs `fut` concurrently with the body.
    pub fn spawn<F>(&self, fut: F) -> madsim::task::JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        crate::sim::world::spawn(&self.rt.world, fut)
    }

    /// Simulated time since the run started.
    pub fn now(&self) -> Duration {
        self.rt.world.now()
    }

    /// A random number from the run's seed (a stream of its own, so drawing
    /// here does not change the runtime's choices).
    pub fn random_u64(&self) -> u64 {
        let mut b = [0u8; 8];
        self.rt.world.user_rng.fill(&mut b);
        u64::from_le_bytes(b)
    }

    /// A number in `0..n` from the run's seed.
    pub fn random_below(&self, n: u64) -> u64 {
        assert!(n > 0, "random_below(0) has no answer");
        self.random_u64() % n
    }

    /// Writes a note into the trace.
    pub fn note(&self, text: impl Into<String>) {
        let at = self.rt.world.config().clients().next().unwrap_or_default();
        self.rt
            .world
            .record(at, None, 0, What::Note { text: text.into() });
    }

    /// Reads `key` of object `id` straight from its storage (confirmed or
    /// not), bypassing the object: for checking properties.
    pub fn peek<O, T: DeserializeOwned>(
        &self,
        namespace: &ObjectNamespace<O>,
        id: &ObjectId,
        key: &str,
    ) -> Result<Option<T>> {
        let Some(obj) = self.rt.find_object(namespace.binding(), id) else {
            return Ok(None);
        };
        let dump = self
            .rt
            .storage_of(obj)
            .dump()
            .map_err(|e| Error::new(e.to_string()))?;
        dump.into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| Payload(v).decode(|| format!("the value of key `{key}`")))
            .transpose()
    }
}
