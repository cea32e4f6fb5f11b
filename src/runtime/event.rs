//! One event's run on an instance: the wrapper around each poll of a handler.
//!
//! Every poll of user code goes through here, which is where the execution
//! model is enforced rather than hoped for:
//! - an event is polled only while the input gate admits it;
//! - the write batch closes when the event yields at an await that leaves
//!   the object (not while its own storage operation is in flight), so all
//!   writes with no such await between them commit together;
//! - a panic becomes an error for the caller, as an uncaught exception does;
//! - each poll counts against the run's step bound.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use futures::future::LocalBoxFuture;

use super::context::{self, EventCtx};
use super::error::{Error, Result};
use super::instance::Instance;
use super::panic_capture;
use crate::storage::input_gate::EventId;
use crate::trace::{Outcome, What};

/// See the module documentation.
pub(crate) struct EventBody<T> {
    inst: Rc<Instance>,
    event: EventId,
    fut: LocalBoxFuture<'static, Result<T>>,
    started: bool,
    awaiting: bool,
}

impl<T> EventBody<T> {
    pub(crate) fn new(
        inst: Rc<Instance>,
        event: EventId,
        fut: LocalBoxFuture<'static, Result<T>>,
    ) -> Self {
        EventBody {
            inst,
            event,
            fut,
            started: false,
            awaiting: false,
        }
    }
}

impl<T> Future for EventBody<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = self.get_mut();
        let inst = this.inst.clone();
        if !inst.input.admits(Some(this.event)) {
            inst.input.register(cx.waker());
            return Poll::Pending;
        }
        inst.world().step();
        if !this.started {
            this.started = true;
            inst.event_started(this.event);
        }
        if this.awaiting {
            this.awaiting = false;
            inst.record(What::EventResumed { event: this.event });
        }
        let ctx = EventCtx {
            instance: inst.clone(),
            event: this.event,
        };
        let fut = &mut this.fut;
        let polled = panic_capture::catch(|| context::with_event(ctx, || fut.as_mut().poll(cx)));
        match polled {
            Ok(Poll::Pending) => {
                this.awaiting = true;
                inst.record(What::EventAwaited { event: this.event });
                if !inst.input.storage_busy() {
                    inst.storage.close_batch(inst.host);
                }
                Poll::Pending
            }
            Ok(Poll::Ready(result)) => {
                let outcome = if result.is_ok() {
                    Outcome::Ok
                } else {
                    Outcome::Error
                };
                inst.record(What::EventEnded {
                    event: this.event,
                    outcome,
                });
                Poll::Ready(result.map_err(Error::into_remote))
            }
            Err(message) => {
                tracing::warn!(object = ?inst.id, event = this.event, %message, "handler panicked");
                inst.record(What::Panicked {
                    event: this.event,
                    message: message.clone(),
                });
                inst.record(What::EventEnded {
                    event: this.event,
                    outcome: Outcome::Panic,
                });
                Poll::Ready(Err(
                    Error::new(format!("handler panicked: {message}")).into_remote()
                ))
            }
        }
    }
}
