//! The `DurableObject` trait, as workers-rs declares it.
//!
//! `#[durable_object]` on the struct implements the hidden marker trait
//! (so `impl DurableObject` without the attribute fails, as in
//! workers-rs) and dosim's own `DurableObject`, whose handlers call these.
//! Handlers a class does not define fail with the error workerd gives,
//! instead of panicking as workers-rs's defaults do.

use super::env::Env;
use super::error::{Error, Result};
use super::request::Request;
use super::response::Response;
use super::state::State;
use super::websocket::{WebSocket, WebSocketIncomingMessage};

/// Implemented by `#[durable_object]`; a supertrait of [`DurableObject`].
#[doc(hidden)]
#[allow(non_camel_case_types)]
pub trait has_durable_object_attribute {}

/// A Durable Object class. Mark the struct with `#[durable_object]`.
#[allow(async_fn_in_trait)] // Objects are single-threaded; no `Send`.
pub trait DurableObject: has_durable_object_attribute {
    /// Builds the object, on every activation.
    fn new(state: State, env: Env) -> Self;

    /// Handles an HTTP request.
    async fn fetch(&self, req: Request) -> Result<Response>;

    /// Runs when the alarm is due; an `Err` makes the runtime retry it.
    async fn alarm(&self) -> Result<Response> {
        Err(Error::JsError(
            "TypeError: Handler does not export an alarm() function.".into(),
        ))
    }

    /// A message on a socket accepted with `State::accept_web_socket`.
    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let _ = (ws, message);
        Err(Error::JsError(
            "TypeError: Handler does not export a webSocketMessage() function.".into(),
        ))
    }

    /// A socket was closed by its client.
    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: usize,
        reason: String,
        was_clean: bool,
    ) -> Result<()> {
        let _ = (ws, code, reason, was_clean);
        Ok(())
    }

    /// A socket failed.
    async fn websocket_error(&self, ws: WebSocket, error: Error) -> Result<()> {
        let _ = (ws, error);
        Ok(())
    }
}
