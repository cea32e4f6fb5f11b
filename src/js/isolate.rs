//! One instance's JavaScript world: a QuickJS runtime and context with the
//! prelude (deterministic globals, `cloudflare:workers`) and the user's
//! module evaluated, and the object built from its class.
//!
//! Drop order is an invariant QuickJS enforces by aborting: no JavaScript
//! value may outlive its runtime. So this type holds no JavaScript value
//! but in its context, which is declared (so dropped) before the runtime;
//! the host and the pending operations hold only Rust data.

use std::cell::Cell;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};

use rquickjs::loader::{BuiltinLoader, BuiltinResolver};
use rquickjs::{Context, Ctx, Exception, Function, Object, Runtime, Value};

use super::host::Host;
use super::module::JsModule;
use crate::runtime::{Error, Result};
use crate::storage::input_gate::EventId;

/// The `cloudflare:workers` module: the prelude's classes, as imports.
const WORKERS_MODULE: &str = "const w = globalThis.__dosim_workers;\n\
    export const DurableObject = w.DurableObject;\n\
    export const WorkerEntrypoint = w.WorkerEntrypoint;\n\
    export const RpcTarget = w.RpcTarget;\n\
    export const env = w.env;\n";

/// The most memory one instance's JavaScript may use.
const MEMORY_BYTES_MAX: usize = 128 << 20;

/// How often QuickJS may ask whether to stop (about every 10 000
/// bytecode operations) in one stretch of JavaScript between two waits,
/// before the stretch is taken for an endless loop and stopped: about
/// 10^8 operations. Counted, not timed, so the same in every run.
const INTERRUPTS_MAX: u32 = 10_000;

/// See the module documentation.
pub(crate) struct Isolate {
    pub(crate) host: Rc<Host>,
    /// Interrupt checks in the current stretch of JavaScript.
    interrupts: Rc<Cell<u32>>,
    context: Context,
    /// Dropped last, after every value of the context.
    _runtime: Runtime,
}

/// Where the object is: its class, binding, id.
pub(crate) struct Placement<'a> {
    pub(crate) class: &'a str,
    pub(crate) binding: &'a str,
    pub(crate) id_hex: String,
    pub(crate) id_name: Option<String>,
}

impl Isolate {
    /// Evaluates `module` and builds its class `at.class`; an error (with
    /// the JavaScript stack) if the module does not load or the
    /// constructor throws.
    pub(crate) fn new(module: &JsModule, at: Placement<'_>, host: Rc<Host>) -> Result<Rc<Isolate>> {
        let runtime = Runtime::new().map_err(|e| Error::new(format!("QuickJS: {e}")))?;
        runtime.set_memory_limit(MEMORY_BYTES_MAX);
        let interrupts = Rc::new(Cell::new(0u32));
        let counted = interrupts.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || {
            counted.set(counted.get().saturating_add(1));
            counted.get() > INTERRUPTS_MAX
        })));
        runtime.set_loader(
            BuiltinResolver::default().with_module("cloudflare:workers"),
            BuiltinLoader::default().with_module("cloudflare:workers", WORKERS_MODULE),
        );
        let context = Context::full(&runtime).map_err(|e| Error::new(format!("QuickJS: {e}")))?;
        let isolate = Rc::new(Isolate {
            host,
            interrupts,
            context,
            _runtime: runtime,
        });
        *isolate.host.isolate.borrow_mut() = Rc::downgrade(&isolate);
        isolate.context.with(|ctx| -> Result<()> {
            let js = |e| js_error(&ctx, e);
            super::bindings::install(&ctx, &isolate.host).map_err(js)?;
            super::prelude::run(&ctx)?;
            let (evaluated, done) = super::bytecode::evaluate_module(
                &ctx,
                &module.name,
                &module.code,
                ("cloudflare:workers", WORKERS_MODULE),
            )
            .map_err(js)?;
            while ctx.execute_pending_job() {}
            match done.result::<Value>() {
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(js(e)),
                None => {
                    return Err(Error::new(format!(
                        "{}: a top-level await that waits on the outside world is not supported",
                        module.name
                    )))
                }
            }
            let ns = evaluated.namespace().map_err(js)?;
            let construct: Function = workers(&ctx).and_then(|w| w.get("construct")).map_err(js)?;
            construct
                .call::<_, ()>((ns, at.class, at.binding, at.id_hex, at.id_name))
                .map_err(js)?;
            while ctx.execute_pending_job() {}
            Ok(())
        })?;
        Ok(isolate)
    }

    /// Starts handler `kind` (`rpc` with method `name`, `fetch`, `alarm`,
    /// …) with JSON `args` as call `call`: it runs until its first wait.
    pub(crate) fn invoke(&self, call: u64, kind: &str, name: &str, args: &str) -> Result<()> {
        self.interrupts.set(0);
        let result = self.context.with(|ctx| {
            let invoke: Function = workers(&ctx)
                .and_then(|w| w.get("invoke"))
                .map_err(|e| js_error(&ctx, e))?;
            invoke
                .call::<_, ()>((call as f64, kind, name, args))
                .map_err(|e| js_error(&ctx, e))?;
            while ctx.execute_pending_job() {}
            Ok(())
        });
        self.check_runaway();
        match self.host.broken.borrow().clone() {
            Some(e) => Err(e),
            None => result,
        }
    }

    /// After a stretch of JavaScript: if it was stopped as an endless
    /// loop, the isolate is broken, and every call waiting on it fails.
    fn check_runaway(&self) {
        if self.interrupts.get() <= INTERRUPTS_MAX {
            return;
        }
        let e = Error::named(
            "InternalError",
            "a handler ran about 10^8 JavaScript operations without waiting and was stopped \
             (an endless loop?); the object is broken until it is rebuilt",
        );
        self.host.broken.replace(Some(e));
        let waiting = std::mem::take(&mut *self.host.waiting.borrow_mut());
        waiting.into_values().for_each(std::task::Waker::wake);
    }

    /// The result text of call `call`, once it has one.
    pub(crate) fn take(&self, call: u64) -> Option<String> {
        if !self.host.finished.borrow_mut().remove(&call) {
            return None;
        }
        self.context.with(|ctx| {
            let take: Function = workers(&ctx).and_then(|w| w.get("take")).ok()?;
            take.call::<_, Option<String>>((call as f64,))
                .ok()
                .flatten()
        })
    }

    /// Polls the operations of `event`; settles those that finished and
    /// runs the JavaScript they release, until none finishes.
    pub(crate) fn drive(&self, event: EventId, cx: &mut TaskContext<'_>) {
        loop {
            let mut done = Vec::new();
            if let Some(ops) = self.host.ops.borrow_mut().get_mut(&event) {
                ops.retain_mut(|op| match op.fut.as_mut().poll(cx) {
                    Poll::Ready(text) => {
                        done.push((op.id, text));
                        false
                    }
                    Poll::Pending => true,
                });
            }
            if done.is_empty() {
                return;
            }
            self.interrupts.set(0);
            self.context.with(|ctx| {
                let settle: Option<Function> = ctx.globals().get("__dosim_settle").ok();
                for (id, text) in done {
                    if let Some(settle) = &settle {
                        if let Err(e) = settle.call::<_, ()>((id as f64, text)) {
                            let e = js_error(&ctx, e);
                            self.host.log("error", &format!("uncaught {e}"));
                        }
                    }
                }
                while ctx.execute_pending_job() {}
            });
            self.check_runaway();
        }
    }

    /// Drops the operations `event` left behind (timers it did not await).
    pub(crate) fn forget(&self, event: EventId) {
        let left = self.host.ops.borrow_mut().remove(&event);
        drop(left);
    }
}

/// The prelude's hidden `__dosim_workers` object.
fn workers<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Object<'js>> {
    ctx.globals().get("__dosim_workers")
}

/// A QuickJS error as a dosim error: a thrown value becomes its name,
/// message and JavaScript stack.
pub(crate) fn js_error(ctx: &Ctx<'_>, e: rquickjs::Error) -> Error {
    if !matches!(e, rquickjs::Error::Exception) {
        return Error::new(format!("QuickJS: {e}"));
    }
    thrown(ctx.catch())
}

/// The error a thrown JavaScript value stands for.
pub(crate) fn thrown(value: Value<'_>) -> Error {
    if let Some(ex) = value.as_exception() {
        let name: String = ex.get("name").unwrap_or_else(|_| "Error".to_string());
        let message = ex.message().unwrap_or_default();
        let stack = ex.stack().unwrap_or_default();
        let stack = stack.trim_end();
        return if stack.is_empty() {
            Error::named(name, message)
        } else {
            Error::named(name, format!("{message}\n{stack}"))
        };
    }
    let shown = value
        .as_string()
        .and_then(|s| s.to_string().ok())
        .unwrap_or_else(|| format!("{value:?}"));
    Error::new(format!("Uncaught {shown}"))
}

/// Throws `e` into JavaScript as the error kind its name says.
pub(crate) fn throw(ctx: &Ctx<'_>, e: &Error) -> rquickjs::Error {
    match e.name() {
        "TypeError" => Exception::throw_type(ctx, e.message()),
        "RangeError" => Exception::throw_range(ctx, e.message()),
        "SyntaxError" => Exception::throw_syntax(ctx, e.message()),
        _ => Exception::throw_message(ctx, e.message()),
    }
}
