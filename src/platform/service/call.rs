//! One call to a service, end to end: the output gate, the trip there, the
//! handler as a task at the service, the trip back, and the faults that
//! may hit any of them.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::fault;
use super::Host;
use crate::runtime::context;
use crate::runtime::error::{Error, Result};
use crate::runtime::http::{Request, Response};
use crate::runtime::panic_capture;
use crate::runtime::runtime::Runtime;
use crate::sim::faults::FaultKind;
use crate::sim::world::{spawn, World};
use crate::sim::world_config::LocationId;
use crate::trace::{ObjectRef, What};

/// Where the call is recorded from: the caller's location, and its object
/// and epoch when an object makes it.
struct Caller {
    world: Rc<World>,
    at: LocationId,
    obj: Option<ObjectRef>,
    epoch: u32,
}

impl Caller {
    fn record(&self, what: What) {
        self.world.record(self.at, self.obj, self.epoch, what);
    }
}

/// Sends `req` from `origin` to `host`'s service and waits for the outcome.
pub(super) async fn call(
    rt: &Rc<Runtime>,
    host: &Rc<Host>,
    origin: LocationId,
    req: Request,
) -> Result<Response> {
    let world = rt.world.clone();
    let event = context::current();
    if let Some(ctx) = &event {
        // A call from an object is output: it waits for the caller's writes.
        if ctx.instance.release_output(ctx.event).await.is_err() {
            return Err(Error::connection_lost());
        }
    }
    let caller = Caller {
        world: world.clone(),
        at: origin,
        obj: event.as_ref().map(|c| c.instance.obj),
        epoch: event.as_ref().map_or(0, |c| c.instance.epoch),
    };
    let number = rt.next_delivery();
    caller.record(What::ServiceCalled {
        call: number,
        service: host.name.clone(),
        request: format!("{} {}", req.method(), req.url()),
    });
    let hit = fault::draw(&world, &host.name);
    if let Some(kind) = hit {
        caller.record(What::FaultInjected {
            fault: kind,
            target: host.name.clone(),
        });
    }
    let outcome = travel(&world, host, origin, number, req, hit).await;
    let text = match &outcome {
        Ok(resp) => resp.status().to_string(),
        Err(e) => e.to_string(),
    };
    caller.record(What::ServiceAnswered {
        call: number,
        outcome: text,
    });
    outcome
}

/// The call's trip, as `hit` shapes it.
async fn travel(
    world: &Rc<World>,
    host: &Rc<Host>,
    origin: LocationId,
    number: u64,
    req: Request,
    hit: Option<FaultKind>,
) -> Result<Response> {
    let trip = |from, to| world.network.delay(&world.service_rng, from, to);
    match hit {
        Some(FaultKind::ServiceRefused) => {
            madsim::time::sleep(trip(origin, host.location) + trip(host.location, origin)).await;
            Err(Error::connection_lost())
        }
        Some(FaultKind::ServiceError) => {
            madsim::time::sleep(trip(origin, host.location) + trip(host.location, origin)).await;
            let status = fault::error_status(world);
            Ok(Response::new(status, format!("error code: {status}")))
        }
        Some(FaultKind::ServiceTimeout) => {
            if fault::timeout_reached(world) {
                let there = trip(origin, host.location);
                let (world, host) = (world.clone(), host.clone());
                // The handler runs on, though nobody waits for it.
                drop(spawn(&world.clone(), async move {
                    madsim::time::sleep(there).await;
                    let _ = handle(&world, &host, number, req).await;
                }));
            }
            madsim::time::sleep(super::SERVICE_TIMEOUT).await;
            Err(Error::named(
                "TimeoutError",
                "The operation was aborted due to timeout",
            ))
        }
        Some(FaultKind::ServiceLostResponse) => {
            madsim::time::sleep(trip(origin, host.location)).await;
            let _ = handle(world, host, number, req).await;
            madsim::time::sleep(trip(host.location, origin)).await;
            Err(Error::connection_lost())
        }
        slow => {
            if slow == Some(FaultKind::ServiceSlow) {
                madsim::time::sleep(fault::slowness(world)).await;
            }
            madsim::time::sleep(trip(origin, host.location)).await;
            let outcome = handle(world, host, number, req).await;
            madsim::time::sleep(trip(host.location, origin)).await;
            outcome
        }
    }
}

/// Runs the handler on `req` as a task of its own at the service, and
/// waits for it. An error it returns reaches the caller as thrown by the
/// service (`remote`); a panic, as an error naming the service.
async fn handle(world: &Rc<World>, host: &Rc<Host>, number: u64, req: Request) -> Result<Response> {
    let work = Caught((host.handler)(req));
    let outcome = match spawn(world, work).await {
        Ok(Ok(resp)) => Ok(resp),
        Ok(Err(Threw(error))) => Err(error.into_remote()),
        Ok(Err(Panicked(message))) => Err(Error::new(format!(
            "the service `{}` failed: it panicked: {message}",
            host.name
        ))),
        // The run ended under it.
        Err(_) => Err(Error::connection_lost()),
    };
    world.record(
        host.location,
        None,
        0,
        What::ServiceHandled {
            call: number,
            ok: outcome.is_ok(),
        },
    );
    outcome
}

/// How a handler failed.
enum Failure {
    /// It returned an error.
    Threw(Error),
    /// It panicked, with this message.
    Panicked(String),
}
use Failure::{Panicked, Threw};

/// A handler's future with its panics caught, poll by poll.
struct Caught(Pin<Box<dyn Future<Output = Result<Response>>>>);

impl Future for Caught {
    type Output = std::result::Result<Response, Failure>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.0.as_mut();
        match panic_capture::catch(|| fut.poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(outcome)) => Poll::Ready(outcome.map_err(Threw)),
            Err(message) => Poll::Ready(Err(Panicked(message))),
        }
    }
}
