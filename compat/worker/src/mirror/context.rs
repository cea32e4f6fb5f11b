//! `Context`: what a Worker's `fetch` gets besides the request and `Env`.

use std::future::Future;

use super::unmirrored::PassThrough;

/// The invocation's context.
#[derive(Clone)]
pub struct Context(dosim::platform::worker::Context);

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Context")
    }
}

impl From<dosim::platform::worker::Context> for Context {
    fn from(ctx: dosim::platform::worker::Context) -> Self {
        Context(ctx)
    }
}

impl Context {
    /// Keeps the invocation alive until `future` ends (within dosim's
    /// bound on `wait_until` work).
    pub fn wait_until<F>(&self, future: F)
    where
        F: Future<Output = ()> + 'static,
    {
        self.0.wait_until(future);
    }

    /// Not mirrored.
    pub fn pass_through_on_exception<'a>(&'a self)
    where
        &'a (): PassThrough,
    {
    }
}
