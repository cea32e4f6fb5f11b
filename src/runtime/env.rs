//! `Env`: the bindings an object (or a client) reaches the world by —
//! namespaces of other objects, variables and secrets — each by its name.

use std::any::TypeId;
use std::fmt;
use std::rc::Rc;

use super::error::Result;
use super::namespace::{AnyClass, ObjectNamespace};
use super::object::{DurableObject, RpcTarget};
use super::runtime::Runtime;
use crate::sim::world_config::LocationId;

/// Bindings by name, as seen from one location.
///
/// ```
/// use dosim::{DurableObject, Env, State};
///
/// struct Greeter { env: Env }
/// impl DurableObject for Greeter {
///     fn new(_state: State, env: Env) -> Self { Greeter { env } }
/// }
///
/// #[dosim::rpc_methods(GreeterRpc)]
/// impl Greeter {
///     async fn greet(&self, name: &str) -> dosim::Result<String> {
///         Ok(format!("{}, {name}", self.env.var("GREETING")?))
///     }
///     async fn var(&self, name: &str) -> dosim::Result<String> {
///         self.env.var(name)
///     }
///     async fn key_len(&self) -> dosim::Result<usize> {
///         Ok(self.env.secret("API_KEY")?.len())
///     }
/// }
///
/// // A test of the API, not of faults: a fault-free sweep.
/// dosim::Runner::new("vars_reach_objects")
///     .faults(dosim::Faults::None)
///     .run(|sim: dosim::Sim| async move {
///         sim.set_var("GREETING", "ahoy")?;
///         sim.set_secret("API_KEY", "s3cret")?;
///         let greeter = sim.register::<Greeter>("GREETER")?.get_by_name("a");
///         assert_eq!(greeter.greet("ada").await?, "ahoy, ada");
///         assert_eq!(greeter.key_len().await?, 6);
///         let missing = greeter.var("NOPE").await.unwrap_err().to_string();
///         assert!(missing.contains("no variable named `NOPE`"), "{missing}");
///         let wrong = greeter.var("API_KEY").await.unwrap_err().to_string();
///         assert!(wrong.contains("`API_KEY` is a secret, not a variable"), "{wrong}");
///         let ns = greeter.var("GREETER").await.unwrap_err().to_string();
///         assert!(ns.contains("`GREETER` is a namespace, not a variable"), "{ns}");
///         Ok(())
///     })
///     .assert_passed();
/// ```
#[derive(Clone)]
pub struct Env {
    rt: Rc<Runtime>,
    origin: LocationId,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env").finish_non_exhaustive()
    }
}

impl Env {
    pub(crate) fn new(rt: Rc<Runtime>, origin: LocationId) -> Env {
        Env { rt, origin }
    }

    /// The namespace bound to `binding`; an error if there is none, or if it
    /// holds another class.
    pub fn namespace<O: DurableObject + RpcTarget>(
        &self,
        binding: &str,
    ) -> Result<ObjectNamespace<O>> {
        let ns = self
            .rt
            .namespace(binding, TypeId::of::<O>(), std::any::type_name::<O>())?;
        Ok(ObjectNamespace::new(self.rt.clone(), ns, self.origin))
    }

    /// The namespace bound to `binding`, whatever its class: its stubs
    /// send HTTP requests and open WebSockets, but have no RPC methods.
    /// For code that names a binding without naming its class (a
    /// `fetch`-only caller, the workers-rs mirror); an error if there is no
    /// namespace by that name.
    pub fn namespace_of_any_class(&self, binding: &str) -> Result<ObjectNamespace<AnyClass>> {
        let ns = self.rt.namespace_of_any_class(binding)?;
        Ok(ObjectNamespace::new(self.rt.clone(), ns, self.origin))
    }

    /// The plain-text variable bound to `name`; an error naming it if there
    /// is none (set it with [`Sim::set_var`](crate::Sim::set_var)).
    pub fn var(&self, name: &str) -> Result<String> {
        self.rt.bindings.var(name, self.rt.is_namespace(name))
    }

    /// The platform service of `kind` bound to `name` (for the platform
    /// layer's own look-ups: `env.bucket(..)`, `env.queue(..)`, …).
    pub(crate) fn platform<T: std::any::Any>(
        &self,
        name: &str,
        kind: &'static str,
        setter: &str,
    ) -> Result<Rc<T>> {
        self.rt
            .bindings
            .platform(name, kind, self.rt.is_namespace(name), setter)
    }

    /// The location these bindings are seen from (a host for objects, a
    /// client's edge for Workers).
    pub(crate) fn origin(&self) -> LocationId {
        self.origin
    }

    /// The run's runtime, for the platform layer built on it.
    pub(crate) fn runtime(&self) -> &Rc<Runtime> {
        &self.rt
    }

    /// The secret bound to `name`; an error naming it if there is none (set
    /// it with [`Sim::set_secret`](crate::Sim::set_secret)).
    pub fn secret(&self, name: &str) -> Result<String> {
        self.rt.bindings.secret(name, self.rt.is_namespace(name))
    }
}
