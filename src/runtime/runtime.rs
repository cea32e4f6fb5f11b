//! The Durable Objects runtime of one run: namespaces, objects, placement.
//!
//! Keeps "one id, one instance": every object (namespace + id) has one
//! directory entry holding its host, its storage and at most one live
//! instance, and each new instance gets a higher epoch, which its storage
//! fences on. Calls are routed through the entry, so a call never reaches an
//! instance that is not the current one.

use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::{Rc, Weak};

use super::alarms::AlarmScheduler;
pub(crate) use super::class::{Factory, Namespace};
use super::env::Env;
use super::error::Error;
use super::id::ObjectId;
use super::inbox::Incoming;
use super::instance::{Arrival, Instance, RaisedEvent};
use crate::sim::world::World;
use crate::sim::world_config::LocationId;
use crate::storage::service::ObjectStorage;
use crate::trace::{EndReason, ObjectRef, What};

struct ObjectEntry {
    namespace: Rc<Namespace>,
    id: ObjectId,
    host: LocationId,
    storage: Rc<ObjectStorage>,
    /// Kept alive by the entry; storage tells it about alarm changes.
    _alarm: Rc<AlarmScheduler>,
    epoch: u32,
    instance: Option<Rc<Instance>>,
    /// Superseded instances still running somewhere, serving the stubs
    /// bound to them until they die.
    stale: Vec<Rc<Instance>>,
}

/// Where one call goes: a host and the instance epoch there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) host: LocationId,
    pub(crate) epoch: u32,
}

/// See the module documentation.
pub(crate) struct Runtime {
    pub(crate) world: Rc<World>,
    me: Weak<Runtime>,
    namespaces: RefCell<BTreeMap<String, Rc<Namespace>>>,
    objects: RefCell<BTreeMap<(String, [u8; 32]), ObjectRef>>,
    entries: RefCell<Vec<ObjectEntry>>,
    next_delivery: Cell<u64>,
    next_lane: Cell<u64>,
    next_event: Cell<u64>,
    /// Every WebSocket of the run.
    pub(crate) sockets: super::websocket::registry::Sockets,
    /// Variables, secrets: the bindings that are not namespaces.
    pub(crate) bindings: super::binding_table::BindingTable,
}

impl Runtime {
    pub(crate) fn new(world: Rc<World>) -> Rc<Runtime> {
        Rc::new_cyclic(|me| Runtime {
            world,
            me: me.clone(),
            namespaces: RefCell::new(BTreeMap::new()),
            objects: RefCell::new(BTreeMap::new()),
            entries: RefCell::new(Vec::new()),
            next_delivery: Cell::new(0),
            next_lane: Cell::new(0),
            next_event: Cell::new(0),
            sockets: Default::default(),
            bindings: Default::default(),
        })
    }

    fn rc(&self) -> Rc<Runtime> {
        self.me
            .upgrade()
            .expect("invariant runtime-alive: the runtime outlives its handles")
    }

    /// Declares `binding` as a namespace of class `type_name`; declaring the
    /// same binding again with the same class is a no-op.
    pub(crate) fn register(
        &self,
        binding: &str,
        type_id: TypeId,
        type_name: &'static str,
        factory: Factory,
    ) -> Result<Rc<Namespace>, Error> {
        if let Some(kind) = self.bindings.kind_of(binding) {
            return Err(Error::type_error(format!(
                "binding `{binding}` is already a {kind}, not a namespace"
            )));
        }
        let mut namespaces = self.namespaces.borrow_mut();
        if let Some(existing) = namespaces.get(binding) {
            if existing.type_id == type_id {
                return Ok(existing.clone());
            }
            return Err(Error::type_error(format!(
                "binding `{binding}` is already a namespace of {}, not {type_name}",
                existing.type_name
            )));
        }
        let ns = Rc::new(Namespace::new(binding, type_id, type_name, factory));
        namespaces.insert(binding.to_string(), ns.clone());
        Ok(ns)
    }

    /// Whether `binding` names a namespace.
    pub(crate) fn is_namespace(&self, binding: &str) -> bool {
        self.namespaces.borrow().contains_key(binding)
    }

    /// The namespace bound to `binding`, checked to be of class `type_id`.
    pub(crate) fn namespace(
        &self,
        binding: &str,
        type_id: TypeId,
        type_name: &'static str,
    ) -> Result<Rc<Namespace>, Error> {
        let ns = self.namespace_of_any_class(binding)?;
        if ns.type_id == type_id {
            return Ok(ns);
        }
        Err(Error::type_error(format!(
            "binding `{binding}` is a namespace of {}, not {type_name}",
            ns.type_name
        )))
    }

    /// The namespace bound to `binding`, whatever its class.
    pub(crate) fn namespace_of_any_class(&self, binding: &str) -> Result<Rc<Namespace>, Error> {
        let namespaces = self.namespaces.borrow();
        match namespaces.get(binding) {
            Some(ns) => Ok(ns.clone()),
            None => Err(Error::type_error(format!(
                "no binding named `{binding}`; the bindings are: {}",
                if namespaces.is_empty() {
                    "(none: register one with Sim::register)".to_string()
                } else {
                    namespaces.keys().cloned().collect::<Vec<_>>().join(", ")
                }
            ))),
        }
    }

    /// The next delivery number: a call's, or a raised event's.
    pub(crate) fn next_delivery(&self) -> u64 {
        bump(&self.next_delivery)
    }

    /// The next lane number: a stub's, or a raised event's.
    pub(crate) fn next_lane(&self) -> u64 {
        bump(&self.next_lane)
    }

    pub(crate) fn next_event(&self) -> u64 {
        bump(&self.next_event)
    }

    /// [`Runtime::object_ref`] through a caller's `cache`. Objects are
    /// never renumbered, only all forgotten at shutdown, which the bounds
    /// check notices.
    pub(crate) fn object_ref_cached(
        &self,
        cache: &Cell<Option<ObjectRef>>,
        ns: &Rc<Namespace>,
        id: &ObjectId,
    ) -> ObjectRef {
        match cache.get() {
            Some(obj) if (obj.0 as usize) < self.entries.borrow().len() => obj,
            _ => {
                let obj = self.object_ref(ns, id);
                cache.set(Some(obj));
                obj
            }
        }
    }

    /// The object's number in this run, placing it on first contact.
    pub(crate) fn object_ref(&self, ns: &Rc<Namespace>, id: &ObjectId) -> ObjectRef {
        let key = (ns.binding.clone(), *id.bytes());
        if let Some(r) = self.objects.borrow().get(&key) {
            return *r;
        }
        let obj = ObjectRef(self.entries.borrow().len() as u32);
        let hosts: Vec<LocationId> = self.world.config().hosts().collect();
        let host = hosts[self.world.rng.below(hosts.len())];
        let storage = ObjectStorage::open(self.world.clone(), obj).unwrap_or_else(|e| {
            panic!("invariant storage-opens: an in-memory SQLite database failed to open: {e}")
        });
        self.world.record(
            host,
            Some(obj),
            0,
            What::ObjectNamed {
                namespace: ns.binding.as_str().into(),
                id: id.to_hex().into(),
                name: id.name().map(Box::from),
            },
        );
        let alarm = AlarmScheduler::new(self.me.clone(), obj);
        let listener = Rc::downgrade(&alarm);
        storage.on_alarm_change(Box::new(move |at| {
            if let Some(alarm) = listener.upgrade() {
                alarm.changed(at);
            }
        }));
        self.entries.borrow_mut().push(ObjectEntry {
            namespace: ns.clone(),
            id: id.clone(),
            host,
            storage,
            _alarm: alarm,
            epoch: 0,
            instance: None,
            stale: Vec::new(),
        });
        self.objects.borrow_mut().insert(key, obj);
        obj
    }

    /// Where a call to `obj` should go now. If the object's host is down or
    /// cut off from storage, the directory places it again on a host that
    /// can serve it; the old instance, if any, becomes stale.
    pub(crate) fn place(&self, obj: ObjectRef) -> LocationId {
        let storage = self.world.config().storage();
        let faults = &self.world.faults;
        let usable = |h: LocationId| !faults.is_down(h) && !faults.cut(h, storage);
        let mut entries = self.entries.borrow_mut();
        let entry = &mut entries[obj.0 as usize];
        if usable(entry.host) {
            return entry.host;
        }
        let candidates: Vec<LocationId> =
            self.world.config().hosts().filter(|h| usable(*h)).collect();
        if candidates.is_empty() {
            return entry.host;
        }
        let host = candidates[self.world.rng.below(candidates.len())];
        tracing::debug!(
            object = obj.0,
            from = entry.host.0,
            to = host.0,
            "placed again"
        );
        entry.host = host;
        if let Some(old) = entry.instance.take() {
            old.supersede();
            entry.stale.push(old);
        }
        host
    }

    /// Where a call through a stub bound to `bound` (an epoch) goes: to that
    /// instance while it lives, stale or not; else to the object's current
    /// placement (with the epoch its instance has, or will have).
    pub(crate) fn target(&self, obj: ObjectRef, bound: Option<u32>) -> Target {
        if let Some(epoch) = bound {
            let entries = self.entries.borrow();
            let entry = &entries[obj.0 as usize];
            let live = entry
                .instance
                .iter()
                .chain(entry.stale.iter())
                .find(|i| i.epoch == epoch && i.is_alive());
            if let Some(inst) = live {
                return Target {
                    host: inst.host,
                    epoch,
                };
            }
        }
        let host = self.place(obj);
        let entries = self.entries.borrow();
        let entry = &entries[obj.0 as usize];
        let epoch = match &entry.instance {
            Some(i) if i.is_current() => i.epoch,
            _ => entry.epoch + 1,
        };
        Target { host, epoch }
    }

    /// A stub's connection to instance `epoch` of `obj` broke: its calls
    /// waiting there fail (the instance may be stale).
    pub(crate) fn break_stub(&self, obj: ObjectRef, epoch: u32, stub: u64, error: &Error) {
        let instance = {
            let entries = self.entries.borrow();
            let entry = &entries[obj.0 as usize];
            entry
                .instance
                .iter()
                .chain(entry.stale.iter())
                .find(|i| i.epoch == epoch)
                .cloned()
        };
        if let Some(inst) = instance {
            inst.break_stub(stub, error);
        }
    }

    /// Live, current instances matching `pred` (by entry), in object order.
    pub(crate) fn instances_where(
        &self,
        pred: impl Fn(&Rc<Namespace>, LocationId) -> bool,
    ) -> Vec<Rc<Instance>> {
        self.entries
            .borrow()
            .iter()
            .filter(|e| pred(&e.namespace, e.host))
            .filter_map(|e| e.instance.clone())
            .filter(|i| i.is_current())
            .collect()
    }

    /// The bindings registered so far, in name order.
    pub(crate) fn bindings(&self) -> Vec<String> {
        self.namespaces.borrow().keys().cloned().collect()
    }

    /// A call (or a raised event) for the instance `target` arrived at its
    /// host. It goes to that instance (starting it, with the next epoch, if
    /// it is the next one); if the instance is gone, or the object moved
    /// meanwhile, the caller's connection drops.
    pub(crate) fn route(&self, obj: ObjectRef, target: Target, incoming: Incoming<Arrival>) {
        let instance = {
            let mut entries = self.entries.borrow_mut();
            let entry = &mut entries[obj.0 as usize];
            entry.stale.retain(|i| i.is_alive());
            let existing = entry
                .instance
                .iter()
                .chain(entry.stale.iter())
                .find(|i| i.epoch == target.epoch && i.is_alive())
                .cloned();
            if let Some(inst) = existing {
                inst
            } else if entry.host != target.host || target.epoch != entry.epoch + 1 {
                drop(entries);
                incoming.arrival.fail(Error::connection_lost());
                return;
            } else {
                match &entry.instance {
                    Some(i) if i.is_current() => i.clone(),
                    _ => {
                        if let Some(stale) = entry.instance.take() {
                            stale.supersede();
                            entry.stale.push(stale);
                        }
                        entry.epoch += 1;
                        let inst = Instance::start(
                            self.rc(),
                            entry.namespace.clone(),
                            entry.id.clone(),
                            obj,
                            entry.epoch,
                            entry.host,
                            entry.storage.clone(),
                        );
                        entry.instance = Some(inst.clone());
                        inst
                    }
                }
            }
        };
        // Received with the table released: a call may start right here
        // (see `instance/arrival.rs`), and its handler may reach the table.
        instance.receive(incoming);
    }

    /// Delivers an event the runtime itself raises (an alarm, a socket's
    /// frame) to `obj`: to instance `bound` if given, else to the current
    /// one, built if need be. No network hop: the runtime is where the
    /// object is. The receiver resolves when the handler has finished and
    /// its output passed the gate, or with an error if the instance died.
    ///
    /// The event arrives in a lane of its own, and takes a delivery number
    /// as a call does: the instance's inbox orders lanes by number, and the
    /// trace numbers calls and stubs from the same counters.
    pub(crate) fn raise(
        &self,
        obj: ObjectRef,
        bound: Option<u32>,
        event: Box<dyn RaisedEvent>,
    ) -> super::reply::ReplyFuture<super::error::Result<()>> {
        let (done, rx) = super::reply::channel();
        let incoming = Incoming {
            number: self.next_delivery(),
            lane: self.next_lane(),
            seq: 1,
            first_seq: 1,
            arrival: Arrival::Raised { event, done },
        };
        let target = self.target(obj, bound);
        self.route(obj, target, incoming);
        rx
    }

    /// The host the object is placed on now.
    pub(crate) fn host_of(&self, obj: ObjectRef) -> LocationId {
        self.entries.borrow()[obj.0 as usize].host
    }

    /// The host the object is placed on now, if the runtime still holds it
    /// (a client may send on a socket while the run is being torn down).
    pub(crate) fn try_host_of(&self, obj: ObjectRef) -> Option<LocationId> {
        self.entries.borrow().get(obj.0 as usize).map(|e| e.host)
    }

    /// The object's current instance, if it has one.
    pub(crate) fn current_instance(&self, obj: ObjectRef) -> Option<Rc<Instance>> {
        self.entries.borrow()[obj.0 as usize].instance.clone()
    }

    /// The instance of `obj` at `epoch` is gone.
    pub(crate) fn instance_ended(&self, obj: ObjectRef, epoch: u32) {
        let mut entries = self.entries.borrow_mut();
        let entry = &mut entries[obj.0 as usize];
        if entry.epoch == epoch {
            entry.instance = None;
        }
    }

    /// The bindings as seen from `origin` (a host, for objects).
    pub(crate) fn env_at(&self, origin: LocationId) -> Env {
        Env::new(self.rc(), origin)
    }

    /// The storage contents of `obj` (for properties and checks).
    pub(crate) fn storage_of(&self, obj: ObjectRef) -> Rc<ObjectStorage> {
        self.entries.borrow()[obj.0 as usize].storage.clone()
    }

    /// The object number of `id` in `binding`, if it was ever contacted.
    pub(crate) fn find_object(&self, binding: &str, id: &ObjectId) -> Option<ObjectRef> {
        self.objects
            .borrow()
            .get(&(binding.to_string(), *id.bytes()))
            .copied()
    }

    /// Ends every live instance; breaks reference cycles so the run's
    /// memory is freed when its thread ends.
    pub(crate) fn shutdown(&self) {
        let live: Vec<Rc<Instance>> = self
            .entries
            .borrow_mut()
            .iter_mut()
            .flat_map(|e| {
                e.instance
                    .take()
                    .into_iter()
                    .chain(std::mem::take(&mut e.stale))
            })
            .collect();
        for inst in live {
            inst.end(EndReason::RunEnded, None);
        }
        // Tasks still parked on a timer when the run ends are never freed
        // (madsim keeps its timers), and they hold this runtime: drop what
        // is big — every object's database and instances — now.
        self.entries.borrow_mut().clear();
        self.objects.borrow_mut().clear();
        self.namespaces.borrow_mut().clear();
    }
}

fn bump(c: &Cell<u64>) -> u64 {
    let n = c.get() + 1;
    c.set(n);
    n
}
