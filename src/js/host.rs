//! The host side of one JavaScript instance: what its JavaScript asks of
//! dosim, synchronously (SQL, ids, bindings, the clock, random numbers,
//! logs) or as an operation that takes simulated time (storage, timers,
//! calls to other objects).
//!
//! An operation is a Rust future filed under the event that started it,
//! and polled only by that event's call (see `call.rs`), inside the
//! runtime's event wrapper: so its storage access is the event's, the
//! input gate holds it as it holds a Rust object's, and the order in which
//! operations finish is the simulation's, chosen by the seed.
//!
//! Answers cross as JSON text, `{"ok": value}` or `{"err": {name, message}}`;
//! the prelude turns an `err` into a thrown JavaScript error.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::{Rc, Weak};
use std::task::Waker;

use futures::future::LocalBoxFuture;
use serde::Deserialize;

use super::isolate::Isolate;
use super::sql;
use crate::runtime::context;
use crate::runtime::{Env, Error, Result, State};
use crate::storage::input_gate::EventId;
use crate::trace::What;

/// An operation in flight: its number (the prelude's key for the promise
/// to settle) and the future that yields its answer.
pub(crate) struct PendingOp {
    pub(crate) id: u64,
    pub(crate) fut: LocalBoxFuture<'static, String>,
}

/// See the module documentation.
pub(crate) struct Host {
    pub(crate) state: State,
    pub(crate) env: Env,
    /// Operations in flight, by the event that started them.
    pub(crate) ops: RefCell<BTreeMap<EventId, Vec<PendingOp>>>,
    next_op: Cell<u64>,
    /// Calls whose result the JavaScript side has set, not yet taken.
    pub(crate) finished: RefCell<BTreeSet<u64>>,
    /// Calls waiting for a result, with the waker that polls them again.
    pub(crate) waiting: RefCell<BTreeMap<u64, Waker>>,
    next_call: Cell<u64>,
    /// Why the isolate can run no more JavaScript, once it cannot.
    pub(crate) broken: RefCell<Option<Error>>,
    /// The WebSockets its JavaScript holds.
    pub(crate) sockets: super::sockets::Sockets,
    /// The isolate this host serves (weak: the isolate owns the host).
    pub(crate) isolate: RefCell<Weak<Isolate>>,
}

impl Host {
    pub(crate) fn new(state: State, env: Env) -> Rc<Host> {
        Rc::new(Host {
            state,
            env,
            ops: RefCell::new(BTreeMap::new()),
            next_op: Cell::new(1),
            finished: RefCell::new(BTreeSet::new()),
            waiting: RefCell::new(BTreeMap::new()),
            next_call: Cell::new(1),
            broken: RefCell::new(None),
            sockets: Default::default(),
            isolate: RefCell::new(Weak::new()),
        })
    }

    /// A new call number.
    pub(crate) fn next_call(&self) -> u64 {
        let id = self.next_call.get();
        self.next_call.set(id + 1);
        id
    }

    /// The JavaScript side set the result of `call`: its waiter may go on.
    pub(crate) fn finish(&self, call: u64) {
        self.finished.borrow_mut().insert(call);
        if let Some(waker) = self.waiting.borrow_mut().remove(&call) {
            waker.wake();
        }
    }

    /// Files the operation `kind` for the running event; its number.
    pub(crate) fn start(self: &Rc<Self>, kind: &str, args: &str) -> Result<u64> {
        let event = context::current()
            .map(|c| c.event)
            .ok_or_else(|| Error::new(format!("{kind}() called outside an event")))?;
        let fut = super::ops::start(self, kind, args)?;
        let id = self.next_op.get();
        self.next_op.set(id + 1);
        self.ops
            .borrow_mut()
            .entry(event)
            .or_default()
            .push(PendingOp { id, fut });
        Ok(id)
    }

    /// Answers the synchronous request `kind`, as `{"ok"}` or `{"err"}` text.
    pub(crate) fn call(&self, kind: &str, args: &str) -> String {
        answer(self.call_inner(kind, args))
    }

    fn call_inner(&self, kind: &str, args: &str) -> Result<String> {
        match kind {
            "sql" => sql::exec(&self.state, args),
            "sqlSize" => json(&self.state.storage().sql().database_size()?),
            "idFromName" => {
                let a: Named = parse(kind, args)?;
                json(&self.namespace(&a.binding)?.id_from_name(&a.name).to_hex())
            }
            "idFromString" => {
                let a: Named = parse(kind, args)?;
                json(&self.namespace(&a.binding)?.id_from_string(&a.id)?.to_hex())
            }
            "newUniqueId" => {
                let a: Named = parse(kind, args)?;
                json(&self.namespace(&a.binding)?.new_unique_id().to_hex())
            }
            "binding" => {
                let a: Named = parse(kind, args)?;
                self.binding(&a.name)
            }
            ws if ws.starts_with("ws") => super::sockets::call(self, kind, args),
            other => Err(Error::type_error(format!("unknown host call {other}"))),
        }
    }

    /// What `env.<name>` is: `{"kind": "namespace"}`, `{"kind": "var",
    /// "value": …}`, a platform binding's kind (`{"kind": "queue"}`), or
    /// `null`.
    fn binding(&self, name: &str) -> Result<String> {
        let rt = self.env.runtime();
        if rt.is_namespace(name) {
            return Ok(r#"{"kind":"namespace"}"#.to_string());
        }
        let value = match rt.bindings.kind_of(name) {
            Some("variable") => self.env.var(name)?,
            Some("secret") => self.env.secret(name)?,
            Some(kind) if super::platform::KINDS.contains(&kind) => {
                return json(&serde_json::json!({ "kind": kind }));
            }
            _ => return Ok("null".to_string()),
        };
        json(&serde_json::json!({ "kind": "var", "value": value }))
    }

    /// A stub-making namespace of any class, by binding.
    pub(crate) fn namespace(
        &self,
        binding: &str,
    ) -> Result<crate::ObjectNamespace<super::JsObject>> {
        let rt = self.env.runtime();
        let ns = rt.namespace_of_any_class(binding)?;
        Ok(crate::ObjectNamespace::new(
            rt.clone(),
            ns,
            self.env.origin(),
        ))
    }

    /// The simulated wall clock, Unix milliseconds.
    pub(crate) fn now_ms(&self) -> f64 {
        let since = crate::runtime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        since.as_millis() as f64
    }

    /// A number in [0, 1) from the run's stream for object code.
    pub(crate) fn random(&self) -> f64 {
        let mut bytes = [0u8; 8];
        if let Ok(inst) = self.state.live_instance() {
            inst.world().user_rng.fill(&mut bytes);
        }
        (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A `console.*` line, into the trace.
    pub(crate) fn log(&self, level: &str, text: &str) {
        let event = context::current().map_or(0, |c| c.event);
        if let Ok(inst) = self.state.live_instance() {
            inst.record(What::JsLogged {
                event,
                level: level.to_string(),
                text: text.to_string(),
            });
        }
    }
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    binding: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    id: String,
}

/// Parses the arguments of `kind`.
pub(crate) fn parse<'a, T: Deserialize<'a>>(kind: &str, args: &'a str) -> Result<T> {
    serde_json::from_str(args)
        .map_err(|e| Error::type_error(format!("bad arguments to {kind}(): {e}")))
}

/// `value` as JSON text.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::new(e.to_string()))
}

/// An answer as the prelude reads it.
pub(crate) fn answer(result: Result<String>) -> String {
    match result {
        Ok(value) => format!(r#"{{"ok":{value}}}"#),
        Err(e) => {
            serde_json::json!({ "err": { "name": e.name(), "message": e.message() } }).to_string()
        }
    }
}
