//! `ctx.wait_until`: work a Worker keeps going after its response.
//!
//! Production keeps an invocation alive for the promises passed to
//! `waitUntil` until they settle, or until 30 s after the response, when it
//! cancels what is left. dosim spawns each one at once, and the invocation
//! waits for them after its handler returned, within the same bound, then
//! drops what is still running: a Worker that leaves essential work to
//! `wait_until` can lose it, which a test should be able to see.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use crate::sim::world::{spawn, World};

/// How long an invocation's `wait_until` work may run after its handler
/// returned, before it is cancelled.
pub const WAIT_UNTIL_TIMEOUT: Duration = Duration::from_secs(30);

/// The invocation's context: what the handler can extend its life with.
#[derive(Clone)]
pub struct Context {
    world: Rc<World>,
    pending: Rc<RefCell<Vec<madsim::task::JoinHandle<()>>>>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Context({} pending)", self.pending.borrow().len())
    }
}

impl Context {
    pub(crate) fn new(world: Rc<World>) -> Context {
        Context {
            world,
            pending: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// Keeps `work` running after the handler returns, for at most
    /// [`WAIT_UNTIL_TIMEOUT`] after that.
    pub fn wait_until(&self, work: impl Future<Output = ()> + 'static) {
        let handle = spawn(&self.world, work);
        self.pending.borrow_mut().push(handle);
    }

    /// Waits for the `wait_until` work, at most [`WAIT_UNTIL_TIMEOUT`];
    /// cancels what is left. Returns how many were cancelled.
    pub(crate) async fn settle(&self) -> usize {
        let handles: Vec<_> = std::mem::take(&mut *self.pending.borrow_mut());
        let mut cancelled = 0;
        let deadline = madsim::time::Instant::now() + WAIT_UNTIL_TIMEOUT;
        for handle in handles {
            let left = deadline.saturating_duration_since(madsim::time::Instant::now());
            let abort = handle.abort_handle();
            if madsim::time::timeout(left, handle).await.is_err() {
                abort.abort();
                cancelled += 1;
            }
        }
        cancelled
    }
}
