//! One event's call into JavaScript, as the future the runtime's event
//! wrapper polls.
//!
//! The first poll starts the handler, which runs until its first wait.
//! Each poll after that polls the event's own operations (storage, timers,
//! outgoing calls; see `host.rs`), settles the promises of those that
//! finished and runs every JavaScript job they release, one after another,
//! until nothing more finishes; then the call ends if the handler's promise
//! has settled, or waits. So every promise continuation runs inside a poll
//! the runtime allowed: under the input gate, with the event's storage
//! batch, in an order the seed chose.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use serde::Deserialize;
use serde_json::value::RawValue;

use super::isolate::Isolate;
use crate::runtime::context;
use crate::runtime::{Error, Result};
use crate::storage::input_gate::EventId;
use crate::trace::What;

/// What a call starts: a handler kind (`rpc`, `fetch`, `alarm`, …), the
/// method's name for `rpc`, and the arguments as JSON text.
pub(crate) struct Start {
    pub(crate) kind: &'static str,
    pub(crate) name: String,
    pub(crate) args: String,
}

/// See the module documentation. Its output is the result's JSON text.
pub(crate) struct JsCall {
    isolate: Rc<Isolate>,
    call: u64,
    start: Option<Start>,
    event: Option<EventId>,
}

impl JsCall {
    pub(crate) fn new(isolate: Rc<Isolate>, start: Start) -> JsCall {
        let call = isolate.host.next_call();
        JsCall {
            isolate,
            call,
            start: Some(start),
            event: None,
        }
    }
}

impl Future for JsCall {
    type Output = Result<String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<String>> {
        let this = self.get_mut();
        let Some(event) = context::current().map(|c| c.event) else {
            return Poll::Ready(Err(Error::new(
                "a JavaScript handler was polled outside an event",
            )));
        };
        this.event = Some(event);
        let host = &this.isolate.host;
        if let Some(e) = host.broken.borrow().clone() {
            return Poll::Ready(Err(e));
        }
        host.waiting.borrow_mut().remove(&this.call);
        if let Some(start) = this.start.take() {
            this.isolate
                .invoke(this.call, start.kind, &start.name, &start.args)?;
        }
        this.isolate.drive(event, cx);
        if let Some(e) = host.broken.borrow().clone() {
            return Poll::Ready(Err(e));
        }
        if let Some(text) = this.isolate.take(this.call) {
            return Poll::Ready(outcome(&this.isolate, event, &text));
        }
        host.waiting
            .borrow_mut()
            .insert(this.call, cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for JsCall {
    fn drop(&mut self) {
        self.isolate.host.waiting.borrow_mut().remove(&self.call);
        if let Some(event) = self.event {
            self.isolate.forget(event);
        }
    }
}

#[derive(Deserialize)]
struct Outcome<'a> {
    #[serde(borrow)]
    ok: Option<&'a RawValue>,
    err: Option<Thrown>,
}

#[derive(Deserialize)]
struct Thrown {
    name: String,
    message: String,
    #[serde(default)]
    stack: String,
}

/// The result a handler's answer text stands for; a throw is also written
/// into the trace, with its stack.
fn outcome(isolate: &Isolate, event: EventId, text: &str) -> Result<String> {
    let parsed: Outcome<'_> = serde_json::from_str(text)
        .map_err(|e| Error::new(format!("a JavaScript answer did not parse: {e}")))?;
    if let Some(thrown) = parsed.err {
        let stack = thrown.stack.trim_end();
        let message = if stack.is_empty() {
            thrown.message
        } else {
            format!("{}\n{stack}", thrown.message)
        };
        if let Ok(inst) = isolate.host.state.live_instance() {
            inst.record(What::JsLogged {
                event,
                level: "uncaught".to_string(),
                text: format!("{}: {message}", thrown.name),
            });
        }
        return Err(Error::named(thrown.name, message));
    }
    Ok(parsed
        .ok
        .map_or_else(|| "null".to_string(), |v| v.get().to_string()))
}
