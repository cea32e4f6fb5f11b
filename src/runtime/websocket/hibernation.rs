//! Hibernation: dropping an idle instance while the runtime keeps its
//! sockets, and what each way an instance ends does to its sockets.
//!
//! An instance may hibernate only when it is the object's current one, no
//! event runs or waits to run, no write is unconfirmed, no alarm runs, it
//! holds no plain socket, and the object has hibernatable sockets (an
//! object without any simply stays, or is evicted). It then hibernates
//! after [`HIBERNATION_IDLE`] with no new event, or at once when the fault
//! plan forces it.

use std::rc::Rc;

use super::frame::{CLOSE_ABNORMAL, CLOSE_SERVICE_RESTART};
use super::registry::{Accepted, Sockets, HIBERNATION_IDLE};
use crate::mutations::{self, Mutation};
use crate::runtime::instance::Instance;
use crate::trace::{content_hash, EndReason, What};

/// Whether `inst` may hibernate now.
pub(crate) fn can_hibernate(inst: &Instance) -> bool {
    let sockets = &inst.rt.sockets;
    inst.is_alive()
        && inst.is_current()
        && inst.is_idle()
        && inst.alarm_running.get().is_none()
        && !sockets.has_plain(inst.obj, inst.epoch)
        && !sockets.hibernatable_of(inst.obj).is_empty()
}

/// Starts `inst`'s idle watch (once): it hibernates once
/// [`HIBERNATION_IDLE`] passed since an event last started or ended.
pub(crate) fn watch(inst: &Rc<Instance>) {
    if inst.hibernation_watched.replace(true) {
        return;
    }
    let inst = inst.clone();
    let world = inst.rt.world.clone();
    crate::sim::world::spawn_task(&world, async move {
        loop {
            let since = inst.last_active.get();
            let due = since + HIBERNATION_IDLE;
            let now = inst.rt.world.now();
            madsim::time::sleep(
                due.saturating_sub(now)
                    .max(std::time::Duration::from_millis(1)),
            )
            .await;
            if !inst.is_alive() {
                return;
            }
            let quiet = inst.last_active.get() == since && inst.rt.world.now() >= due;
            if quiet && can_hibernate(&inst) {
                inst.rt.world.count_natural(|n| n.hibernated += 1);
                inst.end(EndReason::Hibernated, None);
                return;
            }
            if quiet {
                // Busy some other way (a write unconfirmed, a plain socket):
                // look again after another idle stretch.
                inst.last_active.set(inst.rt.world.now());
            }
        }
    });
}

impl Sockets {
    /// An instance of the object started: it sees the hibernatable sockets
    /// as the runtime kept them (recorded for the `websocket` monitor), and
    /// watches for its chance to hibernate if it holds any.
    pub(crate) fn instance_started(&self, inst: &Rc<Instance>) {
        let ids = self.hibernatable_of(inst.obj);
        for id in &ids {
            let seen = self.with(*id, |s| {
                (
                    Sockets::tags_hash(&s.tags),
                    s.attachment.as_deref().map(content_hash),
                )
            });
            if let Some((tags, attachment)) = seen {
                inst.record(What::SocketRestored {
                    socket: *id,
                    tags,
                    attachment,
                });
            }
        }
        if !ids.is_empty() {
            watch(inst);
        }
    }

    /// An instance ended for `reason`: its sockets close or stay as
    /// the lifecycle table of `docs/semantics.md` says.
    pub(crate) fn instance_ended(&self, inst: &Instance, reason: EndReason) {
        let world = &inst.rt.world;
        let mut breaking = Vec::new();
        for (id, s) in self.all.borrow_mut().iter_mut() {
            if s.obj != inst.obj || s.closed {
                continue;
            }
            let mine = match s.accepted {
                Accepted::Plain(epoch) => epoch == inst.epoch,
                Accepted::Hibernatable | Accepted::No => s.last_epoch <= inst.epoch,
            };
            if !mine {
                continue;
            }
            let code = match (reason, s.accepted) {
                (EndReason::RunEnded, _) => continue,
                (EndReason::Hibernated | EndReason::Evicted, Accepted::Hibernatable) => {
                    if reason == EndReason::Hibernated
                        && mutations::active(Mutation::DropAttachmentOnHibernate)
                    {
                        // The planted bug: the runtime forgets attachments.
                        s.attachment = None;
                    }
                    continue;
                }
                (EndReason::CodeUpdate, _) => CLOSE_SERVICE_RESTART,
                _ => CLOSE_ABNORMAL,
            };
            breaking.push((*id, code));
        }
        for (id, code) in breaking {
            self.break_off(world, id, code, "the Durable Object's instance ended");
        }
    }
}
