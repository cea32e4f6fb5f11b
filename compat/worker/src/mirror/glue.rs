//! What `#[durable_object]` and `#[event(fetch)]` expand to call: the
//! conversions between dosim's handlers and workers-rs's, in one place.

use std::future::Future;

pub use dosim;
pub use tracing;

use super::context::Context;
use super::env::Env;
use super::error::Result;
use super::object::DurableObject;
use super::request::Request;
use super::response::Response;
use super::state::State;
use super::websocket::{WebSocket, WebSocketIncomingMessage};

/// Builds the object.
pub fn new<T: DurableObject>(state: dosim::State, env: dosim::Env) -> T {
    T::new(State::from(state), Env::from(env))
}

/// Runs the object's `fetch`.
pub async fn fetch<T: DurableObject>(
    object: &T,
    req: dosim::Request,
) -> dosim::Result<dosim::Response> {
    let resp = object.fetch(Request::from_sim(req)?).await?;
    Ok(resp.into_sim()?)
}

/// Runs the object's `alarm`; its response is dropped, as workerd does.
pub async fn alarm<T: DurableObject>(object: &T) -> dosim::Result<()> {
    object.alarm().await?;
    Ok(())
}

/// Runs the object's `websocket_message`.
pub async fn websocket_message<T: DurableObject>(
    object: &T,
    ws: dosim::WebSocket,
    message: dosim::Message,
) -> dosim::Result<()> {
    let message = WebSocketIncomingMessage::from(message);
    Ok(object
        .websocket_message(WebSocket::server(ws), message)
        .await?)
}

/// Runs the object's `websocket_close`.
pub async fn websocket_close<T: DurableObject>(
    object: &T,
    ws: dosim::WebSocket,
    code: u16,
    reason: String,
    was_clean: bool,
) -> dosim::Result<()> {
    let ws = WebSocket::server(ws);
    Ok(object
        .websocket_close(ws, code.into(), reason, was_clean)
        .await?)
}

/// Runs the object's `websocket_error`.
pub async fn websocket_error<T: DurableObject>(
    object: &T,
    ws: dosim::WebSocket,
    error: dosim::Error,
) -> dosim::Result<()> {
    let ws = WebSocket::server(ws);
    Ok(object.websocket_error(ws, error.into()).await?)
}

/// Runs a Worker's `#[event(fetch)]` function; with `respond_with_errors`
/// its `Err` becomes a 500 response with the error's text.
pub async fn worker_fetch<F, Fut>(
    handler: F,
    req: dosim::Request,
    env: dosim::Env,
    ctx: dosim::platform::worker::Context,
    respond_with_errors: bool,
) -> dosim::Result<dosim::Response>
where
    F: FnOnce(Request, Env, Context) -> Fut,
    Fut: Future<Output = Result<Response>>,
{
    let req = Request::from_sim(req)?;
    match handler(req, Env::from(env), Context::from(ctx)).await {
        Ok(resp) => Ok(resp.into_sim()?),
        Err(e) if respond_with_errors => Ok(Response::error(e.to_string(), 500)?.into_sim()?),
        Err(e) => Err(e.into()),
    }
}
