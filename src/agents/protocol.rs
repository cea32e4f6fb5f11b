//! The frames an agent and its clients exchange over a connection: JSON
//! text frames tagged by `type`, with the agents SDK's names, so that a
//! client written for the SDK reads them as it would in production.
//!
//! A text frame that is not JSON, or JSON whose `type` is not one of the
//! protocol's, is the application's own and goes to
//! [`Agent::on_message`](super::Agent::on_message); a protocol frame that
//! does not parse is answered with an error frame, never a panic.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `type` of a state frame (a push, or a client's proposal).
pub const STATE: &str = "cf_agent_state";
/// The `type` of a call frame and its answer.
pub const RPC: &str = "rpc";

/// A frame from an agent to a client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum ServerFrame {
    /// The agent's state, as persisted.
    #[serde(rename = "cf_agent_state")]
    State {
        /// The whole state.
        state: Value,
    },
    /// The client's proposed state was refused.
    #[serde(rename = "cf_agent_state_error")]
    StateError {
        /// Why.
        error: String,
    },
    /// The answer to a call.
    #[serde(rename = "rpc")]
    Rpc {
        /// The call's id, as the client chose it.
        id: String,
        /// Whether the method succeeded.
        success: bool,
        /// Its result (`null` on failure).
        #[serde(default)]
        result: Value,
        /// Its error, on failure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// Whether this is the call's last frame (always, without streaming).
        done: bool,
    },
    /// A protocol frame the agent could not read.
    #[serde(rename = "cf_agent_error")]
    Error {
        /// What was wrong with it.
        error: String,
    },
}

impl ServerFrame {
    /// The frame as the text sent on the socket.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a frame of JSON values serialises")
    }
}

/// A frame from a client to an agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum ClientFrame {
    /// A proposed new state, validated as a server-side change is.
    #[serde(rename = "cf_agent_state")]
    State {
        /// The whole proposed state.
        state: Value,
    },
    /// A call of one of the agent's callable methods.
    #[serde(rename = "rpc")]
    Rpc {
        /// The client's id for the call, echoed in the answer.
        id: String,
        /// The method's name.
        method: String,
        /// Its arguments, in order.
        args: Vec<Value>,
    },
}

impl ClientFrame {
    /// The frame as the text sent on the socket.
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).expect("a frame of JSON values serialises")
    }
}

/// What a text frame from a client is.
pub(crate) enum Parsed {
    /// The application's own message.
    Plain,
    /// A protocol frame.
    Frame(ClientFrame),
    /// A protocol frame that does not parse: the error to send back.
    Malformed(String),
}

/// Reads a client's text frame.
pub(crate) fn parse(text: &str) -> Parsed {
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Parsed::Plain;
    };
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    if kind != STATE && kind != RPC {
        return Parsed::Plain;
    }
    match serde_json::from_value::<ClientFrame>(value) {
        Ok(frame) => Parsed::Frame(frame),
        Err(e) => Parsed::Malformed(format!("malformed `{kind}` frame: {e}")),
    }
}

/// The hash of a state as the trace records it: of its JSON text, with
/// object keys in one order, so that the agent and a client that parsed
/// the frame hash the same state alike.
pub(crate) fn state_hash(state: &Value) -> u64 {
    let text = serde_json::to_string(state).unwrap_or_default();
    crate::trace::content_hash(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_and_foreign_json_are_the_applications() {
        assert!(matches!(parse("hello"), Parsed::Plain));
        assert!(matches!(parse(r#"{"type":"chat"}"#), Parsed::Plain));
    }

    #[test]
    fn a_broken_call_frame_is_malformed_not_plain() {
        match parse(r#"{"type":"rpc","id":"1"}"#) {
            Parsed::Malformed(e) => assert!(e.contains("missing field `method`"), "{e}"),
            _ => panic!("a call frame without a method must be malformed"),
        }
    }

    #[test]
    fn frames_round_trip() {
        let call = ClientFrame::Rpc {
            id: "7".into(),
            method: "add".into(),
            args: vec![Value::from(2)],
        };
        match parse(&call.to_text()) {
            Parsed::Frame(f) => assert_eq!(f, call),
            _ => panic!("a call frame must parse"),
        }
    }
}
