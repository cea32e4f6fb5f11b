//! `websocket`: sockets deliver in order, and hibernation keeps what the
//! runtime promised to keep.
//!
//! Per socket and direction, frames are handed over (to the object's
//! handler, or to the client) in the order they were sent, none skipped —
//! an auto-responded request counts as handed over. And whenever an
//! instance starts, each hibernatable socket it inherits has the tags it
//! was accepted with and the attachment last stored with it.
//!
//! And no frame is lost quietly: a frame the object sends reaches the
//! client's end once that end exists (its `connect` resolved), or the
//! socket closes with a code. A frame still on its way
//! [`ARRIVAL_NS_MAX`] after both its send and the connect, on a socket
//! that stayed open to the end of the run, was lost. Frames sent before
//! the connect count too: the runtime must hold them for the client, not
//! drop them.

use std::collections::BTreeMap;

use super::Violation;
use crate::sim::clock::format_sim_time;
use crate::trace::{TraceEntry, What};

/// The monitor's name in reports.
pub const NAME: &str = "websocket";

/// The events this monitor reads: a trace with none of them (no socket)
/// cannot break this invariant.
pub(crate) fn concerns(w: &What) -> bool {
    matches!(
        w,
        What::SocketAccepted { .. }
            | What::SocketAttachment { .. }
            | What::SocketSent { .. }
            | What::SocketConnected { .. }
            | What::SocketArrived { .. }
            | What::SocketClosed { .. }
            | What::SocketAutoResponse { .. }
            | What::SocketDelivered { .. }
            | What::SocketRestored { .. }
    )
}

/// How long a frame for a connected client may be on its way, in
/// simulated nanoseconds: far beyond any latency a run draws and any hold
/// of the output gate, so only a frame that will never come is late.
pub const ARRIVAL_NS_MAX: u64 = 30_000_000_000;

#[derive(Default)]
struct Socket {
    /// The next frame expected, per direction: [to the object, to the client].
    next: [u64; 2],
    tags: Option<u64>,
    attachment: Option<u64>,
    /// When the client's end came to exist.
    connected_ns: Option<u64>,
    closed: bool,
    /// Frames to the client not arrived yet: their trace index, by number.
    on_the_way: BTreeMap<u64, usize>,
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
            What::SocketSent {
                socket,
                seq,
                to_object: false,
                ..
            } => {
                sockets.entry(socket).or_default().on_the_way.insert(seq, i);
            }
            What::SocketConnected { socket } => {
                sockets.entry(socket).or_default().connected_ns = Some(e.t);
            }
            What::SocketArrived { socket, seq } => {
                sockets.entry(socket).or_default().on_the_way.remove(&seq);
            }
            What::SocketClosed { socket, .. } => {
                sockets.entry(socket).or_default().closed = true;
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
    lost_frame(trace, &sockets)
}

/// The earliest frame that never reached its connected client though its
/// socket stayed open long enough after both were there.
fn lost_frame(trace: &[TraceEntry], sockets: &BTreeMap<u64, Socket>) -> Option<Violation> {
    let end_ns = trace.last()?.t;
    sockets
        .iter()
        .filter(|(_, s)| !s.closed)
        .filter_map(|(id, s)| {
            let connected_ns = s.connected_ns?;
            s.on_the_way
                .iter()
                .find(|(_, &i)| connected_ns.max(trace[i].t) + ARRIVAL_NS_MAX <= end_ns)
                .map(|(seq, &i)| (i, *id, *seq, connected_ns))
        })
        .min()
        .map(|(i, socket, seq, connected_ns)| {
            let e = &trace[i];
            Violation::at(
                NAME,
                i,
                e,
                format!(
                    "socket {socket} frame #{seq} to the client, sent at {} with the client \
                     connected at {}, never reached the client though the socket stayed open \
                     to the end ({}): every frame to an open socket must arrive, or the socket \
                     close with a code",
                    format_sim_time(e.t),
                    format_sim_time(connected_ns),
                    format_sim_time(end_ns)
                ),
            )
        })
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

    /// Frame #1 sent at 1 s, the client connected at 2 s, and the run goes
    /// on to `end_ns` with `then` in between.
    fn early_frame(then: Vec<What>, end_ns: u64) -> Vec<TraceEntry> {
        let s = 1_000_000_000;
        let mut trace = vec![
            ev(
                s,
                What::SocketSent {
                    socket: 1,
                    seq: 1,
                    to_object: false,
                    content: 7,
                    text: None,
                },
            ),
            ev(2 * s, What::SocketConnected { socket: 1 }),
        ];
        trace.extend(then.into_iter().map(|w| ev(3 * s, w)));
        trace.push(ev(end_ns, What::LivenessPhase));
        trace
    }

    #[test]
    fn a_frame_that_never_reaches_its_connected_client_is_caught() {
        let late = 2_000_000_000 + ARRIVAL_NS_MAX;
        let v = check(&early_frame(vec![], late)).expect("violation");
        assert_eq!(v.event_index, 0, "the frame's send is named");
        assert!(
            v.message
                .contains("frame #1 to the client, sent at 1.000000s with the client connected at 2.000000s, never reached"),
            "{}",
            v.message
        );
        // Still on its way when the run ends sooner: not yet lost.
        assert_eq!(check(&early_frame(vec![], late - 1)), None);
    }

    #[test]
    fn a_frame_that_arrives_or_a_socket_that_closes_passes() {
        let late = 100 * ARRIVAL_NS_MAX;
        let arrived = What::SocketArrived { socket: 1, seq: 1 };
        assert_eq!(check(&early_frame(vec![arrived], late)), None);
        let closed = What::SocketClosed {
            socket: 1,
            code: 1006,
        };
        assert_eq!(check(&early_frame(vec![closed], late)), None);
        // No client end ever existed: nothing to deliver to.
        let mut unconnected = early_frame(vec![], late);
        unconnected.remove(1);
        assert_eq!(check(&unconnected), None);
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
