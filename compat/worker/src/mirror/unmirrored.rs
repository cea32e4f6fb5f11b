//! Items of workers-rs that dosim cannot mirror, as compile errors.
//!
//! Each such method exists with workers-rs's name, but carries a bound no
//! type satisfies, written with a lifetime of the method so that only a
//! call is checked, not the definition. A call fails to compile with the
//! item's name and why (the trait's `on_unimplemented` message), instead
//! of failing at run time.
//!
//! ```compile_fail
//! use worker::*;
//!
//! async fn keys(state: &State) -> Result<()> {
//!     // error: `Storage::get_multiple`, `list` and `list_with_options` …
//!     // return a `js_sys::Map` in workers-rs; dosim-worker cannot mirror JS values
//!     let _map = state.storage().list().await?;
//!     Ok(())
//! }
//! ```
//!
//! The mirrored methods beside them compile as usual:
//!
//! ```
//! use worker::*;
//!
//! async fn count(state: &State) -> Result<u64> {
//!     Ok(state.storage().get("count").await?.unwrap_or(0))
//! }
//! ```

/// What an unmirrored method would return; it has no values.
#[derive(Debug)]
pub enum NotMirrored {}

macro_rules! not_mirrored {
    ($($name:ident => $message:literal, $note:literal;)*) => {$(
        #[doc = concat!("Not mirrored: ", $message)]
        #[diagnostic::on_unimplemented(
            message = $message,
            label = "not mirrored by dosim-worker",
            note = $note
        )]
        pub trait $name {}
    )*};
}

not_mirrored! {
    StorageMapReturn =>
        "`Storage::get_multiple`, `list` and `list_with_options` (and the `Transaction` ones) return a `js_sys::Map` in workers-rs; dosim-worker cannot mirror JS values",
        "read keys one by one with `get`, or keep an index of keys under a key of its own, or move the data to `sql()`";
    StorageRawValue =>
        "`Storage::put_raw` and `put_multiple_raw` take JS values; dosim-worker cannot mirror JS values",
        "store a serde value with `put` or `put_multiple`";
    StorageSync =>
        "`Storage::sync` is not mirrored by dosim-worker yet",
        "dosim confirms every write before the output that follows it, so most objects need no `sync`";
    SqlRawBindings =>
        "`SqlStorage::exec_raw` takes JS values; dosim-worker cannot mirror JS values",
        "bind `SqlStorageValue`s with `exec`";
    WebSocketEvents =>
        "`WebSocket::events` yields JS events; dosim-worker mirrors the handler side of sockets only",
        "accept the socket with `State::accept_web_socket` and handle `websocket_message`";
    AutoResponse =>
        "`State::set_websocket_auto_response` takes a `worker_sys` JS type; dosim-worker cannot mirror it",
        "answer the ping in `websocket_message`";
}

not_mirrored! {
    PlatformBinding =>
        "`Env::bucket`, `queue` and `service` are not mirrored by dosim-worker yet",
        "dosim simulates these bindings (see `dosim::platform`); the workers-rs names for them are not written yet";
    PassThrough =>
        "`Context::pass_through_on_exception` is not mirrored: dosim has no origin to pass through to",
        "answer the error yourself, or use `#[event(fetch, respond_with_errors)]`";
}

not_mirrored! {
    ObjectWaitUntil =>
        "`State::wait_until` is not mirrored by dosim-worker yet",
        "await the work in the handler, or hand it to the Worker's `Context::wait_until`";
}
