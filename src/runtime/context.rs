//! Which event of which instance is running right now.
//!
//! Object code calls free-standing APIs (a stub method, `dosim::sleep`) that
//! must behave differently inside an object — pass the output gate, count as
//! a leaving await — than in a test client. The event wrapper sets this for
//! the length of each poll; nothing else writes it.

use std::cell::RefCell;
use std::rc::Rc;

use super::instance::Instance;
use crate::storage::input_gate::EventId;

/// The running event, while one is being polled.
#[derive(Clone)]
pub(crate) struct EventCtx {
    pub(crate) instance: Rc<Instance>,
    pub(crate) event: EventId,
}

thread_local! {
    static CURRENT: RefCell<Option<EventCtx>> = const { RefCell::new(None) };
}

/// Runs `f` with `ctx` as the current event, restoring the previous one after
/// (also when `f` panics).
pub(crate) fn with_event<R>(ctx: EventCtx, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<EventCtx>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let prev = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = prev);
        }
    }
    let prev = CURRENT.with(|c| c.borrow_mut().replace(ctx));
    let _restore = Restore(prev);
    f()
}

/// The event being polled, if any.
pub(crate) fn current() -> Option<EventCtx> {
    CURRENT.with(|c| c.borrow().clone())
}
