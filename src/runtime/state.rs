//! `State`: what an object knows about itself — its id, its storage, and
//! the runtime's concurrency controls.

use std::fmt;
use std::future::Future;
use std::rc::{Rc, Weak};
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{select, Either};

use super::error::{Error, Result};
use super::id::ObjectId;
use super::instance::Instance;
use super::storage_api::Storage;
use crate::trace::{Cause, What};

/// How deep `block_concurrency_while` calls may nest.
pub const BLOCK_CONCURRENCY_DEPTH_MAX: usize = 64;

/// How long a `block_concurrency_while` body may run before the object is
/// reset.
pub const BLOCK_CONCURRENCY_TIMEOUT: Duration = Duration::from_secs(30);

/// The object's view of itself, handed to its constructor. Cheap to clone.
#[derive(Clone)]
pub struct State {
    instance: Weak<Instance>,
    id: ObjectId,
    storage: Storage,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State").field("id", &self.id).finish()
    }
}

impl State {
    pub(crate) fn new(instance: &Rc<Instance>) -> State {
        State {
            instance: Rc::downgrade(instance),
            id: instance.id.clone(),
            storage: Storage::new(Rc::downgrade(instance)),
        }
    }

    /// The live instance this state belongs to.
    pub(crate) fn live_instance(&self) -> Result<Rc<Instance>> {
        self.instance
            .upgrade()
            .filter(|i| i.is_alive())
            .ok_or_else(|| Error::new("the object's instance has ended"))
    }

    /// Records `what` in the trace at the live instance (nothing once it
    /// has ended): layers above the runtime note their steps this way.
    pub(crate) fn record(&self, what: What) {
        if let Ok(inst) = self.live_instance() {
            inst.record(what);
        }
    }

    /// This object's id (with its name, for named ids).
    pub fn id(&self) -> &ObjectId {
        &self.id
    }

    /// This object's storage.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// Runs `body` while no other event is delivered to this object: no new
    /// call starts and no other event continues until it settles. The gate
    /// closes at once, when this is called (so a constructor may call it
    /// without awaiting); await the result to get `body`'s value.
    ///
    /// If `body` fails (or runs past 30 s of simulated time), the object is
    /// reset: its memory is lost, its unconfirmed writes are dropped, and
    /// every call it holds fails with the same error.
    pub fn block_concurrency_while<T, F>(
        &self,
        body: F,
    ) -> impl Future<Output = Result<T>> + 'static
    where
        T: 'static,
        F: Future<Output = Result<T>> + 'static,
    {
        let started = self.start_blocking(body);
        async move {
            match started {
                Ok(rx) => rx
                    .await
                    .unwrap_or_else(|_| Err(Error::new("The Durable Object was reset."))),
                Err(e) => Err(e),
            }
        }
    }

    fn start_blocking<T, F>(&self, body: F) -> Result<oneshot::Receiver<Result<T>>>
    where
        T: 'static,
        F: Future<Output = Result<T>> + 'static,
    {
        let inst = self
            .instance
            .upgrade()
            .filter(|i| i.is_alive())
            .ok_or_else(|| {
                Error::new("block_concurrency_while() called on an object that was reset")
            })?;
        let event = inst.rt.next_event();
        let depth = inst.input.block(event);
        if depth > BLOCK_CONCURRENCY_DEPTH_MAX {
            inst.input.unblock(event);
            return Err(Error::range_error(format!(
                "block_concurrency_while() nested more than {BLOCK_CONCURRENCY_DEPTH_MAX} deep"
            )));
        }
        inst.record(What::EventStarted {
            event,
            cause: Cause::BlockConcurrency,
        });
        let (tx, rx) = oneshot::channel();
        let timed = async move {
            let timeout = Box::pin(madsim::time::sleep(BLOCK_CONCURRENCY_TIMEOUT));
            match select(Box::pin(body), timeout).await {
                Either::Left((result, _)) => result,
                Either::Right(_) => Err(Error::new(
                    "A call to blockConcurrencyWhile() in a Durable Object waited for too long. \
                     The call was canceled and the Durable Object was reset.",
                )),
            }
        };
        let me = inst.clone();
        inst.spawn_event(event, Box::pin(timed), move |result| {
            me.input.unblock(event);
            if let Err(e) = &result {
                me.reset(e.clone().into_remote());
            }
            let _ = tx.send(result);
        });
        Ok(rx)
    }
}
