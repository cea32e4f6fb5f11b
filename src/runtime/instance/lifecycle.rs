//! The life of an instance, in one place: activation (the instance is
//! created and its object constructed), and every way it ends — reset,
//! superseded by a placement elsewhere, crash, eviction, code update,
//! hibernation, the end of the run.
//!
//! Invariant: an instance ends at most once. Ending breaks its output gate
//! (held output never leaves), fails every call it had taken in, aborts
//! its tasks and, unless it was only evicted or superseded, drops its
//! unconfirmed writes: memory is gone, and so is every write not yet
//! confirmed. The runtime's directory then forgets it, so the next event
//! activates a new instance with a higher epoch.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use super::Instance;
use crate::runtime::error::Error;
use crate::runtime::id::ObjectId;
use crate::runtime::inbox::Inbox;
use crate::runtime::panic_capture;
use crate::runtime::runtime::{Namespace, Runtime};
use crate::runtime::state::State;
use crate::sim::world_config::LocationId;
use crate::storage::input_gate::InputGate;
use crate::storage::service::ObjectStorage;
use crate::trace::{EndReason, ObjectRef, What};

impl Instance {
    /// Creates the instance and starts its delivery task.
    pub(crate) fn start(
        rt: Rc<Runtime>,
        namespace: Rc<Namespace>,
        id: ObjectId,
        obj: ObjectRef,
        epoch: u32,
        host: LocationId,
        storage: Rc<ObjectStorage>,
    ) -> Rc<Instance> {
        let output = storage.attach(epoch);
        let inst = Rc::new(Instance {
            spare_handoff: RefCell::new(None),
            rt,
            namespace,
            id,
            obj,
            epoch,
            host,
            storage,
            input: InputGate::default(),
            output,
            object: RefCell::new(None),
            inbox: RefCell::new(Inbox::default()),
            inbox_waker: RefCell::new(None),
            starting: Cell::new(None),
            replies: RefCell::new(Vec::new()),
            lost_replies: RefCell::new(Vec::new()),
            tasks: RefCell::new(BTreeMap::new()),
            delivery: RefCell::new(None),
            alive: Cell::new(true),
            superseded: Cell::new(false),
            alarm_running: Cell::new(None),
            last_active: Cell::new(std::time::Duration::ZERO),
            hibernation_watched: Cell::new(false),
            idle: RefCell::new(None),
        });
        let weak = Rc::downgrade(&inst);
        inst.storage.on_commit_failure(Box::new(move || {
            if let Some(inst) = weak.upgrade() {
                inst.reset(
                    Error::new(
                        "Internal error in Durable Object storage caused object to be reset.",
                    )
                    .with_reset(),
                );
            }
        }));
        inst.record(What::InstanceCreated);
        if let Ok((entries, digest)) = inst.storage.digest() {
            inst.record(What::StorageDigest { entries, digest });
        }
        tracing::debug!(
            namespace = %inst.namespace.binding,
            object = ?inst.id,
            epoch,
            host = host.0,
            "instance created"
        );
        let handle = crate::sim::world::spawn_task(&inst.rt.world, inst.clone().deliver_loop());
        *inst.delivery.borrow_mut() = Some(handle.abort_handle());
        inst.rt.sockets.instance_started(&inst);
        inst
    }

    /// Runs the constructor; on a panic, fails the waiting calls and resets.
    pub(super) fn construct(self: &Rc<Self>) -> bool {
        let state = State::new(self);
        let env = self.rt.env_at(self.host);
        let factory = self.namespace.factory.clone();
        // The constructor may use storage (synchronous SQL, say), so it runs
        // as an event of its own.
        let ctx = crate::runtime::context::EventCtx {
            instance: self.clone(),
            event: self.rt.next_event(),
        };
        match panic_capture::catch(|| {
            crate::runtime::context::with_event(ctx, || factory(state, env))
        }) {
            Ok(object) => {
                *self.object.borrow_mut() = Some(object);
                true
            }
            Err(message) => {
                let err = Error::new(format!("constructor panicked: {message}")).into_remote();
                self.reset(err);
                false
            }
        }
    }

    /// The object was placed again elsewhere. This instance does not know
    /// it: it keeps serving the stubs bound to it, but its held output never
    /// leaves and fencing refuses its storage access once the new instance
    /// starts. Its callers see their connection drop.
    pub(crate) fn supersede(&self) {
        if self.superseded.replace(true) || !self.alive.get() {
            return;
        }
        self.record(What::InstanceEnded {
            reason: EndReason::Superseded,
        });
        self.output.break_gate();
    }

    /// Resets the instance: its memory is lost, unconfirmed writes are
    /// dropped, held output never leaves, and every call it took in fails
    /// with `error`. The next call builds a new instance.
    pub(crate) fn reset(self: &Rc<Self>, error: Error) {
        self.end(EndReason::Reset, Some(error));
    }

    /// Ends the instance for `reason`; calls it holds fail with `error`
    /// (or a lost connection).
    pub(crate) fn end(self: &Rc<Self>, reason: EndReason, error: Option<Error>) {
        if !self.alive.replace(false) {
            return;
        }
        self.idle_release();
        self.record(What::InstanceEnded { reason });
        tracing::debug!(
            namespace = %self.namespace.binding,
            object = ?self.id,
            epoch = self.epoch,
            ?reason,
            "instance ended"
        );
        // Taken before the gate breaks: a reply the gate held learns of the
        // end through `error`, as every other call does, not as a lost
        // connection.
        let replies = std::mem::take(&mut *self.replies.borrow_mut());
        self.output.break_gate();
        self.rt.sockets.instance_ended(self, reason);
        if reason != EndReason::Evicted && !self.superseded.get() {
            // Memory is gone, and so is every write not yet confirmed.
            self.storage.lose_unconfirmed();
        }
        self.rt.instance_ended(self.obj, self.epoch);
        let error = error.unwrap_or_else(Error::connection_lost);
        for (_, answer) in replies {
            answer.fail(error.clone());
        }
        let waiting = self.inbox.borrow_mut().drain();
        for incoming in waiting {
            incoming.arrival.fail(error.clone());
        }
        let tasks = std::mem::take(&mut *self.tasks.borrow_mut());
        for (_, handle) in tasks {
            handle.abort();
        }
        if let Some(handle) = self.delivery.borrow_mut().take() {
            handle.abort();
        }
        // Aborted tasks parked on this instance's wakers would keep it (and
        // themselves) alive forever: wake them, so the executor drops them.
        self.input.wake_all();
        if let Some(w) = self.inbox_waker.borrow_mut().take() {
            w.wake();
        }
        self.lost_replies.borrow_mut().clear();
        // Break the instance <-> object cycle so the run's memory is freed.
        self.object.borrow_mut().take();
    }
}

/// The platform's faults that end instances: the runtime picks the
/// instances, and each ends as above.
impl Runtime {
    /// Crashes `host`: every instance there loses its memory and its
    /// unconfirmed writes; calls it holds fail as a lost connection.
    pub(crate) fn crash_host(&self, host: LocationId) {
        self.world.faults.crash(host);
        for inst in self.instances_where(|_, h| h == host) {
            inst.end(EndReason::Crash, None);
        }
    }

    /// Evicts every idle instance on `host`; returns how many.
    pub(crate) fn evict_idle(&self, host: LocationId) -> usize {
        let idle: Vec<_> = self
            .instances_where(|_, h| h == host)
            .into_iter()
            .filter(|i| i.is_idle())
            .collect();
        for inst in &idle {
            inst.end(EndReason::Evicted, None);
        }
        idle.len()
    }

    /// Resets every instance of the namespace bound to `binding`.
    pub(crate) fn code_update(&self, binding: &str) {
        let error = Error::new("Durable Object reset because its code was updated.").with_reset();
        for inst in self.instances_where(|ns, _| ns.binding == binding) {
            inst.end(EndReason::CodeUpdate, Some(error.clone()));
        }
    }

    /// Hibernates every instance on `host` that may hibernate now; returns
    /// how many.
    pub(crate) fn hibernate_idle(&self, host: LocationId) -> usize {
        let ready: Vec<_> = self
            .instances_where(|_, h| h == host)
            .into_iter()
            .filter(|i| crate::runtime::websocket::can_hibernate(i))
            .collect();
        for inst in &ready {
            inst.end(EndReason::Hibernated, None);
        }
        ready.len()
    }

    /// Resets the object's current instance, if it has one.
    pub(crate) fn reset_current(&self, obj: ObjectRef, error: Error) {
        if let Some(inst) = self.current_instance(obj) {
            inst.reset(error);
        }
    }
}
