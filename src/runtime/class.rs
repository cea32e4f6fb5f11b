//! A class bound to a name, as the runtime keeps it: how to build its
//! objects, its key, and the ids it already derived.
//!
//! Holds "an id is a pure function of namespace and name": the cache of
//! named ids only remembers what the key computes, so forgetting it (past
//! `NAMED_IDS_MAX`) changes no id.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::env::Env;
use super::id::{NamespaceKey, ObjectId};
use super::object::ErasedObject;
use super::state::State;

/// Builds an object of a namespace's class.
pub(crate) type Factory = Rc<dyn Fn(State, Env) -> Rc<dyn ErasedObject>>;

/// A namespace: one object class under one binding name.
pub(crate) struct Namespace {
    pub(crate) binding: String,
    pub(crate) type_id: TypeId,
    pub(crate) type_name: &'static str,
    pub(crate) key: NamespaceKey,
    pub(crate) factory: Factory,
    /// The `delete_all_preserves_alarm` compatibility flag.
    pub(crate) delete_all_preserves_alarm: Cell<bool>,
    /// Ids already derived from names: an id is an HMAC of its name, and
    /// clients ask for the same few names call after call.
    named: RefCell<BTreeMap<String, ObjectId>>,
}

/// How many named ids a namespace remembers before it starts over.
const NAMED_IDS_MAX: usize = 4096;

impl Namespace {
    /// `type_name`'s class (`type_id`) under `binding`, built by `factory`.
    pub(crate) fn new(
        binding: &str,
        type_id: TypeId,
        type_name: &'static str,
        factory: Factory,
    ) -> Namespace {
        Namespace {
            binding: binding.to_string(),
            type_id,
            type_name,
            key: NamespaceKey::for_binding(binding),
            factory,
            delete_all_preserves_alarm: Cell::new(false),
            named: RefCell::new(BTreeMap::new()),
        }
    }

    /// The id for `name` (a pure function of the namespace and the name).
    pub(crate) fn id_from_name(&self, name: &str) -> ObjectId {
        if let Some(id) = self.named.borrow().get(name) {
            return id.clone();
        }
        let id = self.key.id_from_name(name);
        let mut named = self.named.borrow_mut();
        if named.len() >= NAMED_IDS_MAX {
            named.clear();
        }
        named.insert(name.to_string(), id.clone());
        id
    }
}
