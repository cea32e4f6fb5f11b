//! A trace, as a person reads it: one line per event, with simulated time,
//! the location's name and the object's name.
//!
//! ```text
//!   0.012004s host-1    COUNTER("room-7")@2  call 41 delivered (stub 3 #2) as event 57
//! ```

use std::collections::BTreeMap;

use super::entry::{ObjectRef, TraceEntry};
use super::event::What;
use super::excerpt::Excerpt;
use crate::sim::clock::format_sim_time;
use crate::sim::world_config::WorldConfig;

/// Object names by number, from the trace's `object_named` events.
pub fn object_names(trace: &[TraceEntry]) -> BTreeMap<ObjectRef, String> {
    trace
        .iter()
        .filter_map(|e| match (&e.what, e.obj) {
            (
                What::ObjectNamed {
                    namespace,
                    id,
                    name,
                },
                Some(obj),
            ) => Some((
                obj,
                match name {
                    Some(n) => format!("{namespace}({n:?})"),
                    None => format!("{namespace}({}…)", &id[..12.min(id.len())]),
                },
            )),
            _ => None,
        })
        .collect()
}

/// Renders `events` (a slice of `trace`) one per line.
pub fn render(trace: &[TraceEntry], events: &[TraceEntry], world: &WorldConfig) -> String {
    let lines = Lines::new(trace, world);
    let mut out = String::new();
    for e in events {
        out.push_str(&lines.line(e));
        out.push('\n');
    }
    out
}

/// What every line of one trace needs: object names, and each call's
/// caller and callee.
pub struct Lines<'a> {
    names: BTreeMap<ObjectRef, String>,
    /// Each call's caller (`None`: a client or a Worker) and callee.
    calls: BTreeMap<u64, (Option<ObjectRef>, Option<ObjectRef>)>,
    world: &'a WorldConfig,
}

impl<'a> Lines<'a> {
    /// Reads the names and calls of `trace`.
    pub fn new(trace: &[TraceEntry], world: &'a WorldConfig) -> Lines<'a> {
        let calls = trace
            .iter()
            .filter_map(|e| match &e.what {
                What::CallSent { call, from, .. } => Some((*call, (*from, e.obj))),
                _ => None,
            })
            .collect();
        Lines {
            names: object_names(trace),
            calls,
            world,
        }
    }

    /// One event as a line (without its line break): time, place, the
    /// object (with its instance's epoch) and what happened. A call's line
    /// stands at its caller and names its callee.
    pub fn line(&self, e: &TraceEntry) -> String {
        let at = self
            .world
            .locations()
            .get(e.at.0 as usize)
            .map_or("?", |l| l.name.as_str());
        let (obj, text) = match &e.what {
            What::CallSent { call, .. } | What::ReplyReceived { call, .. } => {
                let (from, to) = self.calls.get(call).copied().unwrap_or((None, e.obj));
                let to = to.map_or_else(|| "?".to_string(), |o| self.name(o));
                (from, describe_call(&e.what, Some(&to)))
            }
            _ => (e.obj, describe(&e.what, self.world)),
        };
        let obj = match obj {
            Some(o) if e.epoch > 0 => format!("{}@{}", self.name(o), e.epoch),
            Some(o) => self.name(o),
            None => String::new(),
        };
        format!("  {:>12} {at:<9} {obj:<22} {text}", format_sim_time(e.t))
    }

    fn name(&self, o: ObjectRef) -> String {
        self.names
            .get(&o)
            .cloned()
            .unwrap_or_else(|| format!("#{}", o.0))
    }
}

/// A call's line, naming its callee `to` when known.
fn describe_call(what: &What, to: Option<&str>) -> String {
    match what {
        What::CallSent {
            call,
            stub,
            seq,
            method,
            args,
            ..
        } => format!(
            "call {call} {}: {method}({}) (stub {stub} #{seq})",
            to.map_or_else(|| "sent".to_string(), |to| format!("to {to}")),
            args.as_ref().map(arguments).unwrap_or_default()
        ),
        What::ReplyReceived { call, ok, result } => format!(
            "call {call}{} answered: {}",
            to.map(|to| format!(" to {to}")).unwrap_or_default(),
            answer(*ok, result.as_ref())
        ),
        other => describe(other, &WorldConfig::default()),
    }
}

/// An argument tuple's JSON without its brackets: `[1,"a"]` reads `1,"a"`.
fn arguments(args: &Excerpt) -> String {
    let text = args.to_string();
    if text == "null" {
        // No arguments: `()` serialises as `null`.
        return String::new();
    }
    let inner = text.strip_prefix('[').unwrap_or(&text);
    inner.strip_suffix(']').unwrap_or(inner).to_string()
}

fn answer(ok: bool, result: Option<&Excerpt>) -> String {
    match (ok, result) {
        (true, Some(r)) if r.bytes() != b"null" => format!("ok {r}"),
        (true, _) => "ok".to_string(),
        (false, _) => "error".to_string(),
    }
}

/// One event's text, as in [`render`] (without time, place and object).
pub fn describe(what: &What, world: &WorldConfig) -> String {
    let name = |l: crate::sim::world_config::LocationId| {
        world
            .locations()
            .get(l.0 as usize)
            .map_or("?", |l| l.name.as_str())
            .to_string()
    };
    match what {
        What::MessageDropped { call: 0, to } => {
            format!("a commit message to {} was dropped", name(*to))
        }
        What::MessageDropped { call, to } => {
            format!("a message of call {call} to {} was dropped", name(*to))
        }
        What::CallRetried { call, attempt } => {
            format!("call {call} sent again (attempt {attempt})")
        }
        What::InstanceEnded { reason } => format!("instance ended: {reason:?}"),
        What::CallSent { .. } | What::ReplyReceived { .. } => describe_call(what, None),
        What::CallDelivered {
            call,
            stub,
            seq,
            event,
        } => {
            format!("call {call} delivered (stub {stub} #{seq}) as event {event}")
        }
        What::EventStarted { event, .. } => format!("event {event} started"),
        What::EventAwaited { event } => format!("event {event} awaits"),
        What::EventResumed { event } => format!("event {event} resumes"),
        What::EventEnded { event, outcome } => format!("event {event} ended: {outcome:?}"),
        What::StorageStarted { event, op } => format!("event {event} storage {op:?} begins"),
        What::StorageEnded { event } => format!("event {event} storage done"),
        What::StorageWrote {
            event,
            batch,
            key_text: Some(key),
            value_text,
            ..
        } => match value_text {
            Some(value) => format!("event {event} wrote {key} = {value} into batch {batch}"),
            None => format!("event {event} deleted {key} in batch {batch}"),
        },
        What::StorageWrote { event, batch, .. } => {
            format!("event {event} wrote into batch {batch}")
        }
        What::StorageRead {
            event,
            key_text,
            value_text,
        } => match value_text {
            Some(value) => format!("event {event} read {key_text} = {value}"),
            None => format!("event {event} read {key_text}: no value"),
        },
        What::StorageWiped { event, batch } => {
            format!("event {event} deleted everything in batch {batch}")
        }
        What::StorageRolledBack { event, batch, kept } => {
            format!("event {event} rolled back a transaction in batch {batch} ({kept} writes stay)")
        }
        What::StorageRestored { batch, entries } => {
            format!("storage restored to a bookmark as batch {batch} ({entries} keys)")
        }
        What::AlarmScheduled { at_ms: Some(at) } => format!("alarm scheduled for {}", unix_ms(*at)),
        What::AlarmScheduled { at_ms: None } => "alarm cleared".to_string(),
        What::AlarmStarted {
            event,
            scheduled_ms,
            retry_count,
        } => format!(
            "alarm due {} runs as event {event} (retry {retry_count})",
            unix_ms(*scheduled_ms)
        ),
        What::AlarmEnded {
            retry_count, ok, ..
        } => format!(
            "alarm try {retry_count} {}",
            if *ok { "succeeded" } else { "failed" }
        ),
        What::AlarmAbandoned { scheduled_ms } => {
            format!(
                "alarm due {} abandoned after its last retry",
                unix_ms(*scheduled_ms)
            )
        }
        What::AlarmWritten {
            event,
            batch,
            at_ms: Some(at),
        } => format!(
            "event {event} set the alarm for {} in batch {batch}",
            unix_ms(*at)
        ),
        What::AlarmWritten {
            event,
            batch,
            at_ms: None,
        } => format!("event {event} deleted the alarm in batch {batch}"),
        What::AlarmRetired {
            event,
            batch,
            scheduled_ms,
        } => format!(
            "alarm due {} deleted in batch {batch}: its handler, event {event}, is done",
            unix_ms(*scheduled_ms)
        ),
        What::SocketOpened { socket } => format!("socket {socket} made"),
        What::SocketAccepted {
            socket,
            hibernatable,
            ..
        } => format!(
            "socket {socket} accepted{}",
            if *hibernatable {
                " (hibernatable)"
            } else {
                " (plain)"
            }
        ),
        What::SocketAttachment { socket, .. } => format!("socket {socket} attachment stored"),
        What::SocketRestored { socket, .. } => format!("socket {socket} kept across instances"),
        What::SocketSent {
            socket,
            seq,
            to_object,
            text: Some(text),
            ..
        } => format!(
            "socket {socket} {} #{seq} sent: {text}",
            direction(*to_object)
        ),
        What::SocketSent {
            socket,
            seq,
            to_object,
            ..
        } => format!("socket {socket} {} #{seq} sent", direction(*to_object)),
        What::SocketDelivered {
            socket,
            seq,
            to_object,
        } => format!(
            "socket {socket} {} #{seq} handed over",
            direction(*to_object)
        ),
        What::SocketAutoResponse { socket } => format!("socket {socket} auto-response sent"),
        What::SocketClosed { socket, code } => format!("socket {socket} closed ({code})"),
        What::BatchClosed { batch } => format!("batch {batch} sent to storage"),
        What::BatchConfirmed { batch } => format!("batch {batch} confirmed"),
        What::OutputHeld { event, batch } => {
            format!("output of event {event} held for batch {batch}")
        }
        What::OutputReleased { event, batch } => {
            format!("output of event {event} released (needed batch {batch})")
        }
        What::FaultInjected { fault, target } => format!("FAULT {fault}: {target}"),
        What::FaultHealed { fault, target } => format!("healed {fault}: {target}"),
        What::QueueSent { queue, message } => format!("queue {queue}: message {message} sent"),
        What::QueueDelivered {
            queue,
            message,
            attempt,
        } => format!("queue {queue}: message {message} delivered (attempt {attempt})"),
        What::QueueAcked { queue, message } => format!("queue {queue}: message {message} acked"),
        What::QueueRetried {
            queue,
            message,
            attempt,
        } => format!("queue {queue}: message {message} to retry after attempt {attempt}"),
        What::QueueDeadLettered { queue, message, to } => {
            format!("queue {queue}: message {message} dead-lettered to {to}")
        }
        What::QueueDropped { queue, message } => {
            format!("queue {queue}: message {message} dropped after its last retry")
        }
        What::WorkerStarted {
            worker,
            invocation,
            trigger,
        } => format!("worker {worker} invocation {invocation} started: {trigger}"),
        What::WorkerEnded {
            worker,
            invocation,
            status,
            outcome,
        } => match (status, outcome) {
            (Some(status), _) => {
                format!("worker {worker} invocation {invocation} answered {status}")
            }
            (None, outcome) => {
                format!("worker {worker} invocation {invocation} ended: {outcome:?}")
            }
        },
        What::WaitUntilCancelled {
            worker,
            invocation,
            count,
        } => format!(
            "worker {worker} invocation {invocation}: {count} wait_until work cancelled after 30 s"
        ),
        What::IdleEvicted { idle_ms } => format!(
            "evicted after {} s idle (the idle window passed; no fault)",
            *idle_ms as f64 / 1_000.0
        ),
        What::KvWritten {
            namespace,
            key,
            version,
        } => format!("kv {namespace} wrote {key:?} as write {version}"),
        What::KvRead {
            namespace,
            key,
            version,
            bound_ms,
        } => {
            format!("kv {namespace} read {key:?}: write {version} (stale by at most {bound_ms}ms)")
        }
        What::ServiceCalled {
            call,
            service,
            request,
        } => format!("service call {call} sent to `{service}`: {request}"),
        What::ServiceHandled { call, ok } => format!(
            "service call {call} handled: {}",
            if *ok { "ok" } else { "error" }
        ),
        What::ServiceAnswered { call, outcome } => {
            format!("service call {call} answered: {outcome}")
        }
        What::BucketSent {
            call,
            bucket,
            op,
            keys,
        } => {
            let mut keys = keys.join(", ");
            if keys.len() > 80 {
                let cut = (0..=77)
                    .rev()
                    .find(|i| keys.is_char_boundary(*i))
                    .unwrap_or(0);
                keys.truncate(cut);
                keys.push('…');
            }
            format!("bucket {bucket} {op} #{call} sent: {keys}")
        }
        What::BucketAnswered {
            call, ok, written, ..
        } => format!(
            "bucket #{call} {}{}",
            if *ok { "answered" } else { "failed" },
            if written.is_empty() { "" } else { " (wrote)" }
        ),
        What::SocketConnected { socket } => format!("socket {socket} connected at the client"),
        What::SocketArrived { socket, seq } => {
            format!("socket {socket} object->client #{seq} reached the client")
        }
        What::Focus { key } => format!("the story follows {key:?}"),
        What::DeadlinePassed => "the deadline passed: the test body is cut off".to_string(),
        What::JsLogged { event, level, text } => format!("event {event} console.{level}: {text}"),
        other => {
            // The rest read well enough as their kind.
            let json = serde_json::to_value(other).unwrap_or_default();
            json.get("kind")
                .and_then(|k| k.as_str())
                .map_or_else(|| format!("{other:?}"), |k| k.replace('_', " "))
        }
    }
}

/// A Unix-millisecond time as simulated seconds since the run began.
fn unix_ms(ms: i64) -> String {
    let since = ms - crate::sim::clock::SIM_START_UNIX_MS;
    format!(
        "t={}.{:03}s",
        since.div_euclid(1000),
        since.rem_euclid(1000)
    )
}

fn direction(to_object: bool) -> &'static str {
    if to_object {
        "client->object"
    } else {
        "object->client"
    }
}
