//! A Worker in front of the counter: it routes `/counter/<name>/increment`
//! and `/counter/<name>/value` to the counter object named `<name>`, found
//! with `id_from_name`, as a real application's entry Worker does.

use dosim::platform::worker::{Context, Worker};
use dosim::{Env, Request, Response, Result};

use crate::counter::Counter;

/// The binding the front Worker finds the counters under.
pub const COUNTER_BINDING: &str = "COUNTER";

/// The entry Worker: stateless, a fresh one per request.
#[derive(Default)]
pub struct CounterFront;

impl Worker for CounterFront {
    async fn fetch(&self, req: Request, env: Env, _ctx: Context) -> Result<Response> {
        let parts: Vec<&str> = req.path().trim_matches('/').split('/').collect();
        let (name, action) = match parts.as_slice() {
            ["counter", name, action] if !name.is_empty() => (*name, *action),
            _ => return Ok(Response::error(404, "no such route")),
        };
        let forwarded = match (req.method(), action) {
            ("POST", "increment") => Request::new("POST", "https://counter/increment"),
            ("GET", "value") => Request::get("https://counter/value"),
            _ => return Ok(Response::error(404, "no such route")),
        };
        let counters = env.namespace::<Counter>(COUNTER_BINDING)?;
        counters.get_by_name(name).fetch(forwarded).await
    }
}

/// The request that increments the counter `name` through the front Worker.
pub fn increment_request(name: &str) -> Request {
    Request::new(
        "POST",
        &format!("https://app.example/counter/{name}/increment"),
    )
}
