//! `websocket`: sockets deliver in order, and hibernation keeps what the
//! runtime promised to keep.
//!
//! Per socket and direction, frames are handed over (to the object's
//! handler, or to the client) in the order they were sent, none skipped —
//! an auto-responded request counts as handed over. And whenever an
//! instance starts, each hibernatable socket it inherits has the tags it
//! was accepted with and the attachment last stored with it.

use std::collections::BTreeMap;

use super::Violation;
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "websocket";

#[derive(Default)]
struct Socket {
    /// The next frame expected, per direction: [to the object, to the client].
    next: [u64; 2],
    tags: Option<u64>,
    attachment: Option<u64>,
}

/// Checks `trace`; returns the first violation.
pub fn check(trace: &[TraceEntry]) -> Option<Violation> {
    let mut sockets: BTreeMap<u64, Socket> = BTreeMap::new();
    for (i, e) in trace.iter().enumerate() {
        let v = |m: String| Some(Violation::at(NAME, i, e, m));
        match e.what {
            What::SocketAccepted { socket, tags, .. } => {
                sockets.entry(socket).or_default().tags = Some(tags);
            }
            What::SocketAttachment { socket, attachment } => {
                sockets.entry(socket).or_default().attachment = attachment;
            }
            What::SocketAutoResponse { socket } => {
                let s = sockets.entry(socket).or_default();
                s.next[0] = s.next[0].max(1) + 1;
            }
            What::SocketDelivered {
                socket,
                seq,
                to_object,
            } => {
                let s = sockets.entry(socket).or_default();
                let lane = usize::from(!to_object);
                let expected = s.next[lane].max(1);
                if seq != expected {
                    let way = if to_object {
                        "to the object"
                    } else {
                        "to the client"
                    };
                    return v(format!(
                        "socket {socket} handed frame #{seq} {way} when #{expected} was next: \
                         frames must arrive in the order they were sent"
                    ));
                }
                s.next[lane] = expected + 1;
            }
            What::SocketRestored {
                socket,
                tags,
                attachment,
            } => {
                let s = sockets.entry(socket).or_default();
                if s.tags.is_some_and(|t| t != tags) {
                    return v(format!(
                        "socket {socket} came back from hibernation with other tags than it was \
                         accepted with"
                    ));
                }
                if s.attachment != attachment {
                    return v(format!(
                        "socket {socket} came back {} its attachment: {:?} stored, {:?} seen by \
                         the new instance",
                        if attachment.is_none() {
                            "without"
                        } else {
                            "with a different"
                        },
                        s.attachment,
                        attachment
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitors::test_trace::ev;

    fn delivered(t: u64, seq: u64) -> TraceEntry {
        ev(
            t,
            What::SocketDelivered {
                socket: 1,
                seq,
                to_object: true,
            },
        )
    }

    #[test]
    fn in_order_delivery_passes_and_a_swap_is_caught() {
        assert_eq!(check(&[delivered(1, 1), delivered(2, 2)]), None);
        let v = check(&[delivered(1, 2), delivered(2, 1)]).expect("violation");
        assert!(
            v.message.contains("#2 to the object when #1 was next"),
            "{}",
            v.message
        );
    }

    #[test]
    fn an_auto_response_takes_its_frame_number() {
        let trace = [
            delivered(1, 1),
            ev(2, What::SocketAutoResponse { socket: 1 }),
            delivered(3, 3),
        ];
        assert_eq!(check(&trace), None);
    }

    #[test]
    fn a_lost_attachment_is_caught() {
        let trace = [
            ev(
                1,
                What::SocketAccepted {
                    socket: 1,
                    hibernatable: true,
                    tags: 5,
                },
            ),
            ev(
                2,
                What::SocketAttachment {
                    socket: 1,
                    attachment: Some(9),
                },
            ),
            ev(
                3,
                What::SocketRestored {
                    socket: 1,
                    tags: 5,
                    attachment: Some(9),
                },
            ),
        ];
        assert_eq!(check(&trace), None);
        let lost = [
            trace[0].clone(),
            trace[1].clone(),
            ev(
                3,
                What::SocketRestored {
                    socket: 1,
                    tags: 5,
                    attachment: None,
                },
            ),
        ];
        let v = check(&lost).expect("violation");
        assert!(
            v.message.contains("without its attachment"),
            "{}",
            v.message
        );
    }
}
