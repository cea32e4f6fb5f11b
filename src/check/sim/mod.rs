//! `Sim`: the handle a test body drives the world with.

mod bucket;
mod inspect;
#[cfg(feature = "js")]
mod js;
mod kv_namespace;
mod worker;

pub use inspect::{ObjectKey, StorageView};

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
use crate::runtime::join::JoinHandle;
use crate::runtime::namespace::ObjectNamespace;
use crate::runtime::object::{DurableObject, RpcTarget};
use crate::runtime::runtime::Runtime;
use crate::sim::seed::Seed;
use crate::trace::What;

mod queue;
mod service;

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
    /// The run's liveness bound: how long [`Sim::eventually`] keeps trying.
    liveness_bound: Duration,
}

/// How long [`Sim::eventually`] waits between tries, in simulated time.
const EVENTUALLY_PAUSE: Duration = Duration::from_millis(250);

impl fmt::Debug for Sim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sim(seed {})", self.seed())
    }
}

impl Sim {
    pub(crate) fn new(rt: Rc<Runtime>, liveness_bound: Duration) -> Sim {
        Sim { rt, liveness_bound }
    }

    /// The run's runtime, for the entry points built on the layers below.
    pub(crate) fn runtime(&self) -> &Rc<Runtime> {
        &self.rt
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
        self.register_with::<O>(binding, Rc::new(crate::runtime::start::construct::<O>))
    }

    /// Binds the class `O` built by `factory` to `binding`; the namespace
    /// as seen from the first client.
    pub(crate) fn register_with<O: DurableObject + RpcTarget>(
        &self,
        binding: &str,
        factory: crate::runtime::runtime::Factory,
    ) -> Result<ObjectNamespace<O>> {
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

    /// Binds `name` to `binding`, refusing a name that is a namespace.
    pub(crate) fn bind(&self, name: &str, binding: Binding) -> Result<()> {
        if self.rt.is_namespace(name) {
            return Err(Error::type_error(format!(
                "binding `{name}` is already a namespace, not a {}",
                binding.kind()
            )));
        }
        self.rt.bindings.set(name, binding)
    }

    /// Binds the platform service `service` of `kind` to `name` (the one
    /// way every platform binding enters the run's table).
    pub(crate) fn bind_service(
        &self,
        name: &str,
        kind: &'static str,
        service: Rc<dyn std::any::Any>,
    ) -> Result<()> {
        self.bind(name, Binding::Platform { kind, service })
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

    /// Runs `fut` concurrently with the body. Awaiting the handle yields
    /// its output, or an error if the task was aborted or panicked.
    pub fn spawn<F>(&self, fut: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        JoinHandle::new(
            crate::sim::world::spawn(&self.rt.world, fut),
            "the test body",
        )
    }

    /// Retries `call` until it answers `Ok`, and returns that answer: for
    /// reading what a workload left behind once faults may still break a
    /// call or two. `call` makes a new attempt each time (a new stub, since
    /// an error breaks one); tries are 250 ms of simulated time apart.
    ///
    /// It gives up once the run's liveness bound
    /// ([`Runner::liveness_bound`](crate::Runner::liveness_bound), 60 s by
    /// default) has passed since the first try, with an error that carries
    /// the last failure. A call that never answers at all is the run
    /// deadline's to catch.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::time::Duration;
    ///
    /// let report = dosim::Runner::new("doc_eventually").seeds(1).run(|sim: dosim::Sim| async move {
    ///     // Fails twice, then answers.
    ///     let tries = Cell::new(0);
    ///     let started = sim.elapsed();
    ///     let answer = sim
    ///         .eventually(|| {
    ///             tries.set(tries.get() + 1);
    ///             let n = tries.get();
    ///             async move {
    ///                 if n < 3 { Err(dosim::Error::new("not yet")) } else { Ok(n) }
    ///             }
    ///         })
    ///         .await?;
    ///     assert_eq!(answer, 3);
    ///     // Two pauses of 250 ms (timers may fire a hair late).
    ///     let waited = sim.elapsed() - started;
    ///     assert!(waited >= Duration::from_millis(500) && waited < Duration::from_millis(510));
    ///
    ///     // Never answers: gives up after the liveness bound, with the last error.
    ///     let err = sim
    ///         .eventually(|| async { Err::<(), _>(dosim::Error::new("still down")) })
    ///         .await
    ///         .expect_err("it gives up");
    ///     assert!(err.message().contains("still down"), "{err}");
    ///     Ok(())
    /// });
    /// assert!(report.passed(), "{:?}", report.failures);
    /// ```
    pub async fn eventually<T, F, Fut>(&self, mut call: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let started = self.elapsed();
        let mut tries: u64 = 0;
        loop {
            tries += 1;
            let failure = match call().await {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            let waited = self.elapsed().saturating_sub(started);
            if waited >= self.liveness_bound {
                return Err(Error::new(format!(
                    "no answer after {tries} tries over {:.2}s of simulated time (the run's \
                     liveness bound); the last try failed with: {failure}",
                    waited.as_secs_f64()
                )));
            }
            crate::runtime::time::sleep(EVENTUALLY_PAUSE).await;
        }
    }

    /// Simulated time since the run started (as [`dosim::elapsed`](crate::elapsed)).
    pub fn elapsed(&self) -> Duration {
        self.rt.world.now()
    }

    /// The old name of [`elapsed`](Self::elapsed), which read like
    /// [`dosim::now`](crate::now) but returned a `Duration`, not the
    /// simulated wall clock.
    #[deprecated(
        note = "use Sim::elapsed (a Duration since the start); dosim::now() is the wall clock"
    )]
    pub fn now(&self) -> Duration {
        self.elapsed()
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
        self.record_from_test(What::Note { text: text.into() });
    }

    /// Records `what` as the test's own: at the first client.
    fn record_from_test(&self, what: What) {
        let at = self.rt.world.config().clients().next().unwrap_or_default();
        self.rt.world.record(at, None, 0, what);
    }

    /// Points a failure's story at `key`: a storage key, or an entity the
    /// test names (a member, a customer). The report's story then also
    /// shows the events whose storage key or value, call arguments, URL
    /// or socket message contain it. Call it where a property fails, just
    /// before returning the error.
    ///
    /// ```no_run
    /// # fn f(sim: &dosim::Sim, name: &str) -> dosim::Result<()> {
    /// sim.focus(name);
    /// dosim::bail!("{name}'s message came back without its author");
    /// # }
    /// ```
    pub fn focus(&self, key: impl Into<String>) {
        self.record_from_test(What::Focus { key: key.into() });
    }

    /// Reads `key` of object `id` straight from its storage (confirmed or
    /// not), bypassing the object: for checking properties. The one-key
    /// case of [`inspect`](Self::inspect).
    pub fn peek<O, T: DeserializeOwned>(
        &self,
        namespace: &ObjectNamespace<O>,
        id: &ObjectId,
        key: &str,
    ) -> Result<Option<T>> {
        self.inspect(namespace, id, |view| view.get(key))?
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use crate::{Error, Runner, Sim};

    #[test]
    fn eventually_gives_up_at_the_runs_liveness_bound_with_the_last_failure() {
        let report = Runner::new("eventually_bound")
            .seeds(1)
            .quiet()
            .liveness_bound(Duration::from_secs(2))
            .run(|sim: Sim| async move {
                let started = sim.elapsed();
                let tries = Cell::new(0);
                let err = sim
                    .eventually(|| {
                        tries.set(tries.get() + 1);
                        let n = tries.get();
                        async move { Err::<(), _>(Error::new(format!("down on try {n}"))) }
                    })
                    .await
                    .expect_err("a call that never answers is given up on");
                let waited = sim.elapsed() - started;
                // Tries at 0, 0.25, …, 2 s: the ninth is the first at the bound.
                assert_eq!(tries.get(), 9);
                assert!(waited >= Duration::from_secs(2), "{waited:?}");
                assert!(waited < Duration::from_millis(2_100), "{waited:?}");
                assert!(err.message().contains("9 tries"), "{err}");
                assert!(err.message().contains("down on try 9"), "{err}");
                Ok(())
            });
        assert!(report.passed(), "{:?}", report.failures);
    }
}
