//! A Worker class bound to a name: its handlers with the type erased, so a
//! client can call a Worker by name alone, as a test calls a URL.
//!
//! Invariant: one name holds one class. Binding the same class again is
//! harmless; binding another class to a name in use is an error.

use std::any::TypeId;
use std::rc::Rc;

use futures::future::LocalBoxFuture;

use super::{Context, ScheduledEvent, Worker};
use crate::runtime::binding_table::Binding;
use crate::runtime::env::Env;
use crate::runtime::error::{Error, Result};
use crate::runtime::http::{Request, Response};

/// What binding tables and error messages call a Worker binding.
pub(crate) const WORKER_KIND: &str = "Worker";

type FetchFn = dyn Fn(Request, Env, Context) -> LocalBoxFuture<'static, Result<Response>>;
type ScheduledFn = dyn Fn(ScheduledEvent, Env, Context) -> LocalBoxFuture<'static, Result<()>>;

/// One Worker class under one name.
pub(crate) struct WorkerClass {
    pub(crate) name: String,
    type_id: TypeId,
    type_name: &'static str,
    pub(crate) fetch: Box<FetchFn>,
    pub(crate) scheduled: Box<ScheduledFn>,
}

impl WorkerClass {
    /// The class `W` under `name`; each handler call makes a fresh `W`.
    pub(crate) fn of<W: Worker>(name: &str) -> WorkerClass {
        WorkerClass {
            name: name.to_string(),
            type_id: TypeId::of::<W>(),
            type_name: std::any::type_name::<W>(),
            fetch: Box::new(|req, env, ctx| {
                Box::pin(async move { W::default().fetch(req, env, ctx).await })
            }),
            scheduled: Box::new(|event, env, ctx| {
                Box::pin(async move { W::default().scheduled(event, env, ctx).await })
            }),
        }
    }

    /// Binds class `W` to `name` in `env`'s table, or returns the class
    /// already there if it is `W`; an error if it is another class.
    pub(crate) fn bind<W: Worker>(
        env: &Env,
        name: &str,
        bind: impl FnOnce(Binding) -> Result<()>,
    ) -> Result<Rc<WorkerClass>> {
        if let Ok(existing) = WorkerClass::find(env, name) {
            if existing.type_id != TypeId::of::<W>() {
                return Err(Error::type_error(format!(
                    "Worker `{name}` is already bound to {}, not {}",
                    existing.type_name,
                    std::any::type_name::<W>()
                )));
            }
            return Ok(existing);
        }
        let class = Rc::new(WorkerClass::of::<W>(name));
        bind(Binding::Platform {
            kind: WORKER_KIND,
            service: class.clone(),
        })?;
        Ok(class)
    }

    /// The class bound to `name`, with a clear error if there is none.
    pub(crate) fn find(env: &Env, name: &str) -> Result<Rc<WorkerClass>> {
        env.platform::<WorkerClass>(name, WORKER_KIND, "Sim::worker::<App>")
    }
}
