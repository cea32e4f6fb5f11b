//! `Env`: the bindings an object (or a client) reaches other objects by.

use std::any::TypeId;
use std::fmt;
use std::rc::Rc;

use super::error::Result;
use super::namespace::ObjectNamespace;
use super::object::{DurableObject, RpcTarget};
use super::runtime::Runtime;
use crate::sim::world_config::LocationId;

/// Bindings by name, as seen from one location.
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
}
