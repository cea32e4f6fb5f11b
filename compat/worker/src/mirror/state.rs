//! `State`: an object's id, storage, concurrency control and the
//! hibernation API for its sockets.
//!
//! workers-rs unwraps the JS results of the socket methods (a failure
//! panics); so does this mirror, with the runtime's message, and dosim
//! reports the panic as the handler's failure.

use std::future::Future;

use super::error::Result;
use super::namespace::ObjectId;
use super::storage::Storage;
use super::unmirrored::{AutoResponse, NotMirrored, ObjectWaitUntil};
use super::websocket::WebSocket;

/// What an object knows about itself, handed to its constructor.
#[derive(Clone, Debug)]
pub struct State(dosim::State);

impl From<dosim::State> for State {
    fn from(state: dosim::State) -> Self {
        State(state)
    }
}

fn sockets(list: Vec<dosim::WebSocket>) -> Vec<WebSocket> {
    list.into_iter().map(WebSocket::server).collect()
}

/// The result of a socket call workers-rs unwraps.
fn unwrap<T>(result: Result<T>, call: &str) -> T {
    result.unwrap_or_else(|e| panic!("State::{call} failed: {e}"))
}

impl State {
    /// This object's id (with its name, for a named id); it gives no stub.
    pub fn id(&self) -> ObjectId<'_> {
        ObjectId::inside(self.0.id().clone())
    }

    /// This object's storage.
    pub fn storage(&self) -> Storage {
        Storage(self.0.storage().clone())
    }

    /// Runs `future` while no other event is delivered to this object; the
    /// gate closes when this is called. An `Err` resets the object.
    pub fn block_concurrency_while<F, T>(&self, future: F) -> impl Future<Output = Result<T>>
    where
        F: Future<Output = Result<T>> + 'static,
        T: 'static,
    {
        // The body's error crosses the gate as dosim's error.
        let body = async move { future.await.map_err(dosim::Error::from) };
        let blocked = self.0.block_concurrency_while(body);
        async move { Ok(blocked.await?) }
    }

    /// Not mirrored yet.
    pub fn wait_until<'a, F>(&'a self, future: F)
    where
        F: Future<Output = ()> + 'static,
        &'a (): ObjectWaitUntil,
    {
        drop(future);
    }

    /// Accepts `ws` as a hibernatable socket.
    pub fn accept_web_socket(&self, ws: &WebSocket) {
        self.accept_websocket_with_tags(ws, &[]);
    }

    /// Accepts `ws` as a hibernatable socket with `tags`.
    pub fn accept_websocket_with_tags(&self, ws: &WebSocket, tags: &[&str]) {
        let accepted = ws
            .as_server()
            .and_then(|server| Ok(self.0.accept_websocket(server, tags)?));
        unwrap(accepted, "accept_web_socket");
    }

    /// Every hibernatable socket of this object.
    pub fn get_websockets(&self) -> Vec<WebSocket> {
        sockets(self.0.get_websockets(None))
    }

    /// The hibernatable sockets with `tag`.
    pub fn get_websockets_with_tag(&self, tag: &str) -> Vec<WebSocket> {
        sockets(self.0.get_websockets(Some(tag)))
    }

    /// The tags `websocket` was accepted with.
    pub fn get_tags(&self, websocket: &WebSocket) -> Vec<String> {
        let tags = websocket
            .as_server()
            .and_then(|server| Ok(self.0.get_tags(server)?));
        unwrap(tags, "get_tags")
    }

    /// Not mirrored: takes a `worker_sys` JS type in workers-rs.
    pub fn set_websocket_auto_response<'a, P>(&'a self, pair: &P)
    where
        &'a (): AutoResponse,
    {
        let _ = pair;
    }

    /// Not mirrored: returns a `worker_sys` JS type in workers-rs.
    pub fn get_websocket_auto_response<'a>(&'a self) -> Option<NotMirrored>
    where
        &'a (): AutoResponse,
    {
        None
    }
}
