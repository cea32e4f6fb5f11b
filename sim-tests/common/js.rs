//! What the TypeScript sim tests share (feature `js`): one fault-free run
//! with a module loaded.

// Every sim test that includes `common` compiles this with `js` on; only
// the TypeScript tests call it.
#![allow(dead_code)]

use dosim::js::JsModule;
use dosim::{Faults, Runner, Sim};

/// Runs `body` once, fault-free, with the TypeScript module `source`
/// (named `file` in stacks) loaded and handed to it; panics with the
/// report if the run fails.
pub fn once_with_module<F, Fut>(name: &str, file: &'static str, source: &'static str, body: F)
where
    F: Fn(Sim, JsModule) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = dosim::Result<()>> + 'static,
{
    Runner::new(name)
        .seeds(1)
        .faults(Faults::None)
        .run(move |sim| {
            let body = body.clone();
            async move {
                let module = JsModule::typescript(file, source)?;
                body(sim, module).await
            }
        })
        .assert_passed();
}

/// [`once_with_module`], with the module's `class` registered as
/// `binding` before `body` runs.
pub fn once_with_class<F, Fut>(
    name: &str,
    (file, source): (&'static str, &'static str),
    (binding, class): (&'static str, &'static str),
    body: F,
) where
    F: Fn(Sim) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = dosim::Result<()>> + 'static,
{
    once_with_module(name, file, source, move |sim, module| {
        let body = body.clone();
        async move {
            sim.register_js(binding, &module, class)?;
            body(sim).await
        }
    });
}
