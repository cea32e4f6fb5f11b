//! One Worker invocation: a fresh instance of the class runs one handler at
//! one location, its panics become errors, and its `wait_until` work is
//! settled after it returned.
//!
//! Invariant: every invocation is bracketed in the trace by a
//! `worker_started` and a `worker_ended` event with the same number, and
//! cancelled `wait_until` work is recorded, so a report shows what a Worker
//! did and what it lost.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use super::class::WorkerClass;
use super::Context;
use crate::runtime::error::{Error, Result};
use crate::runtime::panic_capture;
use crate::runtime::runtime::Runtime;
use crate::sim::world::spawn_task;
use crate::sim::world_config::LocationId;
use crate::trace::{Outcome, What};

/// Where and for what one invocation runs.
pub(crate) struct Invocation {
    pub(crate) rt: Rc<Runtime>,
    pub(crate) class: Rc<WorkerClass>,
    pub(crate) at: LocationId,
}

impl Invocation {
    /// Runs `handler` with a fresh context, recording its start (with
    /// `trigger`) and end; `status` reads the status off an answer. The
    /// `wait_until` work goes on in a task of its own after the answer.
    pub(crate) async fn run<T, F>(
        self,
        trigger: String,
        handler: impl FnOnce(crate::runtime::env::Env, Context) -> F,
        status: impl FnOnce(&T) -> Option<u16>,
    ) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let world = self.rt.world.clone();
        let worker = self.class.name.clone();
        let invocation = self.rt.next_event();
        world.record(
            self.at,
            None,
            0,
            What::WorkerStarted {
                worker: worker.clone(),
                invocation,
                trigger,
            },
        );
        let ctx = Context::new(world.clone());
        let env = self.rt.env_at(self.at);
        let caught = CatchPanic(Box::pin(handler(env, ctx.clone()))).await;
        let (result, outcome) = match caught {
            Ok(Ok(answer)) => (Ok(answer), Outcome::Ok),
            Ok(Err(e)) => (Err(e), Outcome::Error),
            Err(message) => (
                Err(Error::new(format!("Worker `{worker}` panicked: {message}"))),
                Outcome::Panic,
            ),
        };
        world.record(
            self.at,
            None,
            0,
            What::WorkerEnded {
                worker: worker.clone(),
                invocation,
                status: result.as_ref().ok().and_then(status),
                outcome,
            },
        );
        let at = self.at;
        let settling = world.clone();
        spawn_task(&world, async move {
            let cancelled = ctx.settle().await;
            if cancelled > 0 {
                settling.record(
                    at,
                    None,
                    0,
                    What::WaitUntilCancelled {
                        worker,
                        invocation,
                        count: cancelled as u64,
                    },
                );
            }
        });
        result
    }
}

/// A future whose panics come out as their message.
struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = std::result::Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        let fut = &mut self.0;
        match panic_capture::catch(|| fut.as_mut().poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(message) => Poll::Ready(Err(message)),
        }
    }
}
