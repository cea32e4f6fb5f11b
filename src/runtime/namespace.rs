//! `ObjectNamespace`: ids and stubs for one class under one binding.

use std::fmt;
use std::marker::PhantomData;
use std::rc::Rc;

use super::error::Result;
use super::id::ObjectId;
use super::runtime::{Namespace, Runtime};
use super::stub::Stub;
use crate::sim::world_config::LocationId;

/// The class of a namespace reached without naming its class (see
/// [`Env::namespace_of_any_class`](crate::Env::namespace_of_any_class)):
/// its stubs fetch and connect, and implement no RPC client trait. It has
/// no values.
#[derive(Debug)]
pub enum AnyClass {}

/// The objects of class `O` bound to one name. Making ids and stubs wakes
/// nothing; the first call does.
pub struct ObjectNamespace<O> {
    rt: Rc<Runtime>,
    ns: Rc<Namespace>,
    origin: LocationId,
    _class: PhantomData<fn() -> O>,
}

impl<O> Clone for ObjectNamespace<O> {
    fn clone(&self) -> Self {
        ObjectNamespace {
            rt: self.rt.clone(),
            ns: self.ns.clone(),
            origin: self.origin,
            _class: PhantomData,
        }
    }
}

impl<O> fmt::Debug for ObjectNamespace<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectNamespace({})", self.ns.binding)
    }
}

impl<O> ObjectNamespace<O> {
    pub(crate) fn new(rt: Rc<Runtime>, ns: Rc<Namespace>, origin: LocationId) -> Self {
        ObjectNamespace {
            rt,
            ns,
            origin,
            _class: PhantomData,
        }
    }

    /// The id for `name`: the same in every run and every seed.
    pub fn id_from_name(&self, name: &str) -> ObjectId {
        self.ns.id_from_name(name)
    }

    /// A new id that never repeats (drawn from the run's seed).
    pub fn new_unique_id(&self) -> ObjectId {
        let mut base = [0u8; 16];
        self.rt.world.rng.fill(&mut base);
        self.ns.key.id_from_base(base)
    }

    /// Parses an id printed by [`ObjectId::to_hex`]; refuses malformed
    /// strings and ids of other namespaces, with the runtime's texts.
    pub fn id_from_string(&self, s: &str) -> Result<ObjectId> {
        self.ns.key.id_from_string(s)
    }

    /// A stub for `id`.
    pub fn get(&self, id: ObjectId) -> Stub<O> {
        Stub::new(self.rt.clone(), self.ns.clone(), id, self.origin)
    }

    /// A stub for the object named `name` (`get(id_from_name(name))`).
    pub fn get_by_name(&self, name: &str) -> Stub<O> {
        self.get(self.id_from_name(name))
    }

    /// The binding name.
    pub fn binding(&self) -> &str {
        &self.ns.binding
    }

    /// Sets the `delete_all_preserves_alarm` compatibility flag of this
    /// namespace: when on, `delete_all` keeps the alarm. Off by default,
    /// as with compatibility dates from 2026-02-24 on.
    pub fn set_delete_all_preserves_alarm(&self, on: bool) {
        self.ns.delete_all_preserves_alarm.set(on);
    }
}
