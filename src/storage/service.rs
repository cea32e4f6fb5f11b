//! The storage service of one object: its database, outside every host.
//!
//! Fault model. Storage lives at the world's storage location, so a host
//! crash never destroys it. What an instance writes joins a batch (all the
//! writes it makes with no leaving await in between); a closed batch travels
//! to storage and back before it is confirmed, and batches are confirmed one
//! at a time, in order. Until confirmed, a batch can be lost whole — never in
//! part — and the output gate holds everything the instance sends after it.
//!
//! Fencing. Only the current epoch (the newest instance of the object) may
//! touch the database. A superseded instance's next access fails, so two
//! instances of one id can never both commit.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Poll, Waker};

use super::database::{BatchId, Database, ListOptions};
use super::error::StorageError;
use super::output_gate::OutputGate;
use crate::mutations::{self, Mutation};
use crate::sim::network::transmit;
use crate::sim::world::World;
use crate::sim::world_config::LocationId;
use crate::trace::{content_hash, storage_digest, ObjectRef, What};

// The SQL, transaction, `delete_all`, alarm and bookmark operations: a
// child module, so they reach the service's private state.
mod ops;
pub(crate) use ops::ServiceTransaction;

/// How long a commit waits before sending again across a partition.
const COMMIT_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

/// Why a storage access was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccessError {
    /// The caller's epoch is not the current one.
    Superseded { epoch: u32, current: u32 },
    /// The database refused the operation.
    Storage(StorageError),
}

impl From<StorageError> for AccessError {
    fn from(e: StorageError) -> Self {
        AccessError::Storage(e)
    }
}

/// A batch's first write: its key, and its value (`None` for a delete).
type FirstWrite = (String, Option<Vec<u8>>);

struct Pending {
    batch: BatchId,
    epoch: u32,
    host: LocationId,
    /// The alarm after this batch, if the batch may have changed it.
    alarm_after: Option<Option<i64>>,
}

/// Told the alarm time (Unix ms) each time a confirmed change sets it.
pub(crate) type AlarmListener = Box<dyn Fn(Option<i64>)>;

/// See the module documentation.
pub(crate) struct ObjectStorage {
    world: Rc<World>,
    obj: ObjectRef,
    db: RefCell<Database>,
    /// The epoch allowed to access; 0 before the first instance.
    epoch: Cell<u32>,
    /// Highest batch id handed out (the open batch's, while it has writes).
    issued: Cell<BatchId>,
    open_has_writes: Cell<bool>,
    /// The epoch of the instance that wrote the open batch.
    open_epoch: Cell<u32>,
    /// Highest batch closed and sent for confirmation.
    closed: Cell<BatchId>,
    /// Highest batch confirmed durable.
    confirmed: Cell<BatchId>,
    queue: RefCell<VecDeque<Pending>>,
    /// Whether the commit loop was spawned. Once started it parks while
    /// the queue is empty rather than ending, so a batch after a quiet
    /// spell wakes it instead of spawning a task (madsim keeps a record of
    /// every task spawned until the run ends: one per quiet spell added
    /// up).
    commit_started: Cell<bool>,
    /// The commit loop's waker while it is parked (and only then).
    commit_waker: RefCell<Option<Waker>>,
    /// The current instance's output gate.
    gate: RefCell<Rc<OutputGate>>,
    /// Called when a commit fails: the runtime resets the instance.
    on_failure: RefCell<Option<Box<dyn Fn()>>>,
    /// The `partial_batch` mutation's memory of first writes.
    first_writes: RefCell<std::collections::BTreeMap<BatchId, FirstWrite>>,
    /// KV writes (puts, deletes, wipes) the open batch holds, as the trace
    /// records them: what a transaction rollback keeps is a prefix of them.
    open_writes: Cell<u64>,
    /// A bookmark to restore when the next instance starts.
    restore_next: RefCell<Option<String>>,
    /// How many times the object has written its alarm (set, deleted, or
    /// wiped with everything), counting only writes that stand: a
    /// transaction's rollback takes its own back. The runtime compares two
    /// counts to learn whether an alarm handler set the alarm again.
    alarm_writes: Cell<u64>,
    /// The alarm as the confirmed batches left it.
    confirmed_alarm: Cell<Option<i64>>,
    /// The runtime's alarm scheduler.
    alarm_listener: RefCell<Option<AlarmListener>>,
}

impl ObjectStorage {
    pub(crate) fn open(
        world: Rc<World>,
        obj: ObjectRef,
    ) -> Result<Rc<ObjectStorage>, StorageError> {
        let mut db = Database::open_seeded(u64::from(obj.0))?;
        db.set_limits(&world.config().limits_setting());
        Ok(Rc::new(ObjectStorage {
            db: RefCell::new(db),
            world,
            obj,
            epoch: Cell::new(0),
            issued: Cell::new(0),
            open_has_writes: Cell::new(false),
            open_epoch: Cell::new(0),
            closed: Cell::new(0),
            confirmed: Cell::new(0),
            queue: RefCell::new(VecDeque::new()),
            commit_started: Cell::new(false),
            commit_waker: RefCell::new(None),
            gate: RefCell::new(Rc::new(OutputGate::default())),
            on_failure: RefCell::new(None),
            first_writes: RefCell::new(std::collections::BTreeMap::new()),
            open_writes: Cell::new(0),
            restore_next: RefCell::new(None),
            alarm_writes: Cell::new(0),
            confirmed_alarm: Cell::new(None),
            alarm_listener: RefCell::new(None),
        }))
    }

    /// A new instance takes over with a higher epoch; returns its output gate.
    /// Whatever the previous instance left unconfirmed is lost, and its gate
    /// breaks, so nothing it held can ever be released.
    pub(crate) fn attach(&self, epoch: u32) -> Rc<OutputGate> {
        debug_assert!(
            epoch > self.epoch.get(),
            "invariant epoch-increases: epoch {epoch} attached after {}",
            self.epoch.get()
        );
        self.lose_unconfirmed();
        self.epoch.set(epoch);
        self.restore_if_asked();
        let gate = Rc::new(OutputGate::default());
        gate.confirm_initial(self.confirmed.get());
        let old = std::mem::replace(&mut *self.gate.borrow_mut(), gate.clone());
        old.break_gate();
        gate
    }

    /// Drops every unconfirmed batch (a crash or a reset of the instance).
    pub(crate) fn lose_unconfirmed(&self) {
        let first_lost_write = self
            .first_writes
            .borrow()
            .first_key_value()
            .map(|(_, w)| w.clone());
        self.first_writes.borrow_mut().clear();
        let lost = self.db.borrow_mut().lose_unconfirmed();
        if mutations::active(Mutation::PartialBatch) && !lost.is_empty() {
            // The planted bug: the first write of a lost batch survives.
            if let Some((key, value)) = first_lost_write {
                self.db.borrow_mut().apply_committed(&key, value.as_deref());
            }
        }
        if mutations::active(Mutation::DropConfirmedWrite) && !lost.is_empty() {
            // The planted bug: a confirmed key is lost with the rest.
            let first = self
                .db
                .borrow_mut()
                .dump()
                .ok()
                .and_then(|d| d.into_iter().next());
            if let Some((key, _)) = first {
                self.db.borrow_mut().apply_committed(&key, None);
            }
        }
        self.queue.borrow_mut().clear();
        self.open_has_writes.set(false);
        self.open_writes.set(0);
        // What is left is what was confirmed: the confirmed alarm stands.
        self.db.borrow_mut().take_alarm_touched();
        if let Some(&first) = lost.first() {
            // Batches that never were confirmed no longer exist; the next
            // write opens a batch with a fresh, higher id.
            debug_assert!(
                first > self.confirmed.get(),
                "invariant lost-batch-unconfirmed: lost batch {first} was already confirmed"
            );
        }
        self.closed.set(self.confirmed.get());
    }

    /// What to do when a commit fails (set by each new instance).
    pub(crate) fn on_commit_failure(&self, handler: Box<dyn Fn()>) {
        *self.on_failure.borrow_mut() = Some(handler);
    }

    /// Whether any write is not yet confirmed.
    pub(crate) fn has_unconfirmed(&self) -> bool {
        self.open_has_writes.get() || self.closed.get() > self.confirmed.get()
    }

    /// Refuses an access from any epoch but the current one. (The object's
    /// SQL reads the simulated clock itself, see `sql_clock`.)
    fn fence(&self, epoch: u32) -> Result<(), AccessError> {
        let current = self.epoch.get();
        if epoch != current && !mutations::active(Mutation::SkipFencing) {
            return Err(AccessError::Superseded { epoch, current });
        }
        Ok(())
    }

    pub(crate) fn get(&self, epoch: u32, key: &str) -> Result<Option<Vec<u8>>, AccessError> {
        self.fence(epoch)?;
        Ok(self.db.borrow_mut().get(key)?)
    }

    pub(crate) fn get_many(
        &self,
        epoch: u32,
        keys: &[String],
    ) -> Result<Vec<(String, Vec<u8>)>, AccessError> {
        self.fence(epoch)?;
        Ok(self.db.borrow_mut().get_many(keys)?)
    }

    pub(crate) fn list(
        &self,
        epoch: u32,
        opts: &ListOptions,
    ) -> Result<Vec<(String, Vec<u8>)>, AccessError> {
        self.fence(epoch)?;
        Ok(self.db.borrow_mut().list(opts)?)
    }

    /// Writes `key`; returns the batch the write joined.
    /// The value moves into the database's log.
    pub(crate) fn put(&self, epoch: u32, key: &str, value: &[u8]) -> Result<BatchId, AccessError> {
        self.fence(epoch)?;
        self.db.borrow_mut().put(key, value)?;
        let batch = self.wrote_key(epoch);
        self.note_first_write(batch, key, Some(value));
        Ok(batch)
    }

    /// Under the `partial_batch` mutation, remembers each unconfirmed
    /// batch's first write, to plant it after a crash.
    fn note_first_write(&self, batch: BatchId, key: &str, value: Option<&[u8]>) {
        if mutations::active(Mutation::PartialBatch) {
            self.first_writes
                .borrow_mut()
                .entry(batch)
                .or_insert_with(|| (key.to_string(), value.map(<[u8]>::to_vec)));
        }
    }

    /// Deletes `key`; returns whether it existed and the batch the write joined.
    pub(crate) fn delete(&self, epoch: u32, key: &str) -> Result<(bool, BatchId), AccessError> {
        self.fence(epoch)?;
        let existed = self.db.borrow_mut().delete(key)?;
        let batch = self.wrote_key(epoch);
        self.note_first_write(batch, key, None);
        Ok((existed, batch))
    }

    fn wrote_key(&self, epoch: u32) -> BatchId {
        self.open_writes.set(self.open_writes.get() + 1);
        self.wrote(epoch)
    }

    fn wrote(&self, epoch: u32) -> BatchId {
        if !self.open_has_writes.get() {
            self.open_has_writes.set(true);
            self.open_epoch.set(epoch);
            self.issued.set(self.issued.get() + 1);
        }
        self.issued.get()
    }

    /// Ends the open batch, if it has writes, and sends it for confirmation.
    pub(crate) fn close_batch(self: &Rc<Self>, host: LocationId) {
        if !self.open_has_writes.get() {
            return;
        }
        self.open_has_writes.set(false);
        self.open_writes.set(0);
        let batch = self.db.borrow_mut().close_batch();
        debug_assert_eq!(
            batch,
            Some(self.issued.get()),
            "invariant batch-ids-agree: the database and the service number batches alike"
        );
        let batch = self.issued.get();
        self.closed.set(batch);
        // A batch belongs to the instance that wrote it, stale or not.
        let epoch = self.open_epoch.get();
        self.world
            .record(host, Some(self.obj), epoch, What::BatchClosed { batch });
        let alarm_after = if self.db.borrow_mut().take_alarm_touched() {
            Some(self.db.borrow().alarm().unwrap_or(None))
        } else {
            None
        };
        self.queue.borrow_mut().push_back(Pending {
            batch,
            epoch,
            host,
            alarm_after,
        });
        debug_assert_eq!(
            self.db.borrow().unconfirmed(),
            self.queue.borrow().len(),
            "invariant unconfirmed-count: the database holds exactly the batches waiting for confirmation"
        );
        if !self.commit_started.replace(true) {
            crate::sim::world::spawn_task(&self.world, self.clone().commit_loop());
        } else if let Some(parked) = self.commit_waker.borrow_mut().take() {
            parked.wake();
        }
    }

    /// The highest batch issued so far, closing the open one: what an
    /// outgoing message sent now must wait for.
    pub(crate) fn barrier(self: &Rc<Self>, host: LocationId) -> BatchId {
        self.close_batch(host);
        self.closed.get()
    }

    /// Confirms queued batches one at a time. Each goes from its host to
    /// storage and back; a message that cannot get through (a partition) is
    /// sent again until it does or the batch is lost. Storage refuses a
    /// batch from a stale epoch, and fails one the plan says must fail.
    /// With nothing queued it parks until `close_batch` wakes it; it ends
    /// only with the run.
    async fn commit_loop(self: Rc<Self>) {
        let world = self.world.clone();
        let storage = world.config().storage();
        let mut dropped_batch = None;
        loop {
            let Some((batch, host, epoch, alarm_after)) = self
                .queue
                .borrow()
                .front()
                .map(|p| (p.batch, p.host, p.epoch, p.alarm_after))
            else {
                std::future::poll_fn(|cx| {
                    if self.queue.borrow().is_empty() {
                        *self.commit_waker.borrow_mut() = Some(cx.waker().clone());
                        Poll::Pending
                    } else {
                        Poll::Ready(())
                    }
                })
                .await;
                continue;
            };
            if transmit(&world, host, storage).await.is_err() {
                // Recorded once per batch: a long partition would otherwise
                // fill the trace with one line per resend.
                if dropped_batch != Some(batch) {
                    dropped_batch = Some(batch);
                    let to = storage;
                    world.record(
                        storage,
                        Some(self.obj),
                        epoch,
                        What::MessageDropped { call: 0, to },
                    );
                }
                madsim::time::sleep(COMMIT_RETRY).await;
                continue;
            }
            let extra = world.faults.storage_extra(world.now());
            if !extra.is_zero() {
                madsim::time::sleep(extra).await;
            }
            if !self.is_queued(batch) {
                continue; // lost (the instance died) while in flight
            }
            if epoch != self.epoch.get() && !mutations::active(Mutation::SkipFencing) {
                self.queue.borrow_mut().pop_front();
                continue; // fencing: a stale instance never commits
            }
            if world.faults.take_failing_commit(host) {
                self.lose_unconfirmed();
                let handler = self.on_failure.borrow_mut().take();
                if let Some(reset) = handler {
                    reset();
                }
                continue;
            }
            self.queue.borrow_mut().pop_front();
            self.db.borrow_mut().confirm_at(batch, world.now());
            self.confirmed.set(batch);
            if let Some(alarm) = alarm_after {
                self.alarm_confirmed(alarm);
            }
            world.record(
                storage,
                Some(self.obj),
                epoch,
                What::BatchConfirmed { batch },
            );
            // The confirmation travels back before the host may release
            // output; it is resent until it arrives.
            while transmit(&world, storage, host).await.is_err() {
                madsim::time::sleep(COMMIT_RETRY).await;
                if world.faults.is_down(host) {
                    break;
                }
            }
            self.gate.borrow().confirm(batch);
            tracing::trace!(object = self.obj.0, batch, "batch confirmed");
        }
    }

    fn is_queued(&self, batch: BatchId) -> bool {
        self.queue
            .borrow()
            .front()
            .is_some_and(|p| p.batch == batch)
    }

    /// The number of keys and the digest of what storage holds now.
    pub(crate) fn digest(&self) -> Result<(u64, u64), StorageError> {
        let dump = self.db.borrow_mut().dump()?;
        let entries = dump.len() as u64;
        let digest = storage_digest(
            dump.iter()
                .map(|(k, v)| (content_hash(k.as_bytes()), content_hash(v))),
        );
        Ok((entries, digest))
    }

    /// Runs `f` on the database as the object's instance would read it
    /// now, pending writes included; no fence, no trace (for checks that
    /// look inside an object without waking it).
    pub(crate) fn inspect<R>(&self, f: impl FnOnce(&mut Database) -> R) -> R {
        f(&mut self.db.borrow_mut())
    }
}
