//! A stub's call as it travels to the object: what was asked, and the
//! channel its answer comes back on.
//!
//! Each kind of call carries a reply channel of its own type — a `fetch`
//! is answered with a [`Response`], an RPC with a [`Payload`] — so the
//! caller never has to unwrap an answer of the wrong kind: the compiler
//! rules it out.

use super::error::{Error, Result};
use super::http::{Request, Response};
use super::payload::Payload;
use super::reply::Replier;

/// What a stub asked for, with the channel for its answer.
pub(crate) enum Call {
    /// A request for the object's `fetch` handler.
    Fetch {
        req: Request,
        reply: Replier<Result<Response>>,
    },
    /// An RPC: `method` with its encoded argument tuple. Method names from
    /// the generated client traits are static and travel without a copy
    /// per call; a JavaScript caller's are owned.
    Rpc {
        method: std::borrow::Cow<'static, str>,
        args: Payload,
        reply: Replier<Result<Payload>>,
    },
}

impl Call {
    /// Answers the call with `error` without running it.
    pub(crate) fn fail(self, error: Error) {
        match self {
            Call::Fetch { reply, .. } => reply.send(Err(error)),
            Call::Rpc { reply, .. } => reply.send(Err(error)),
        }
    }
}
