//! The named bindings of a run other than namespaces: plain-text variables,
//! secrets, and the platform's services (bucket, KV namespace, queue,
//! services the test defines), as a test sets them before objects read them.
//!
//! One name holds one binding, whatever its kind: a name set as a variable
//! cannot also be a secret or a namespace, so `env.var("X")` never has two
//! answers. New kinds (buckets, KV namespaces, queues, services) join as
//! variants of [`Binding`], looked up by name the same way.

use std::any::Any;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use super::error::{Error, Result};

/// One binding's value.
#[derive(Clone)]
pub(crate) enum Binding {
    /// A plain-text variable (`[vars]` in wrangler.toml).
    Var(String),
    /// A secret (`wrangler secret put`).
    Secret(String),
    /// A platform service the runtime does not know by type: the layer
    /// above stores it here and takes it back out by `kind` and type.
    Platform {
        /// What kind of service, as error messages name it ("bucket", …).
        kind: &'static str,
        /// The service's shared handle.
        service: Rc<dyn Any>,
    },
}

impl Binding {
    /// The kind, as error messages name it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Binding::Var(_) => "variable",
            Binding::Secret(_) => "secret",
            Binding::Platform { kind, .. } => kind,
        }
    }
}

/// Every non-namespace binding of a run, by name.
#[derive(Default)]
pub(crate) struct BindingTable {
    by_name: RefCell<BTreeMap<String, Binding>>,
}

impl BindingTable {
    /// Binds `name` to `binding`, replacing a binding of the same kind; an
    /// error if `name` holds another kind.
    pub(crate) fn set(&self, name: &str, binding: Binding) -> Result<()> {
        if name.is_empty() {
            return Err(Error::type_error("a binding needs a name"));
        }
        let mut by_name = self.by_name.borrow_mut();
        if let Some(old) = by_name.get(name) {
            if old.kind() != binding.kind() {
                return Err(Error::type_error(format!(
                    "binding `{name}` is already a {}, not a {}",
                    old.kind(),
                    binding.kind()
                )));
            }
        }
        by_name.insert(name.to_string(), binding);
        Ok(())
    }

    /// The kind of binding `name` holds, if any.
    pub(crate) fn kind_of(&self, name: &str) -> Option<&'static str> {
        self.by_name.borrow().get(name).map(Binding::kind)
    }

    /// How many bindings of `kind` there are.
    pub(crate) fn count_of(&self, kind: &str) -> u32 {
        let n = self
            .by_name
            .borrow()
            .values()
            .filter(|b| b.kind() == kind)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The value of the variable `name`; `namespace` says whether the name
    /// is a namespace instead, for the error.
    pub(crate) fn var(&self, name: &str, namespace: bool) -> Result<String> {
        match self.by_name.borrow().get(name) {
            Some(Binding::Var(value)) => Ok(value.clone()),
            other => Err(missing(name, "variable", other, namespace, "Sim::set_var")),
        }
    }

    /// The value of the secret `name`; `namespace` as for [`var`](Self::var).
    pub(crate) fn secret(&self, name: &str, namespace: bool) -> Result<String> {
        match self.by_name.borrow().get(name) {
            Some(Binding::Secret(value)) => Ok(value.clone()),
            other => Err(missing(name, "secret", other, namespace, "Sim::set_secret")),
        }
    }
}

impl BindingTable {
    /// The platform service of `kind` bound to `name`, as type `T`;
    /// `namespace` as for [`var`](Self::var), `setter` names the `Sim`
    /// method that binds one.
    pub(crate) fn platform<T: Any>(
        &self,
        name: &str,
        kind: &'static str,
        namespace: bool,
        setter: &str,
    ) -> Result<Rc<T>> {
        let by_name = self.by_name.borrow();
        match by_name.get(name) {
            Some(Binding::Platform { kind: k, service }) if *k == kind => {
                service.clone().downcast::<T>().map_err(|_| {
                    Error::type_error(format!(
                        "invariant binding-type: binding `{name}` holds a {kind} of another type"
                    ))
                })
            }
            other => Err(missing(name, kind, other, namespace, setter)),
        }
    }
}

/// The error for a look-up of a `wanted` binding that `name` is not.
fn missing(
    name: &str,
    wanted: &str,
    found: Option<&Binding>,
    namespace: bool,
    setter: &str,
) -> Error {
    let found = found
        .map(Binding::kind)
        .or(namespace.then_some("namespace"));
    match found {
        Some(kind) => Error::type_error(format!("binding `{name}` is a {kind}, not a {wanted}")),
        None => Error::type_error(format!(
                "no {wanted} named `{name}`: set it with {setter}(\"{name}\", ..) before objects read it"
        )),
    }
}
