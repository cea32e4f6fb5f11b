//! The events of a trace: what happened at each step of a run, as
//! structured data.
//!
//! An event holds only values that are themselves a function of the seed —
//! object indices, counters the runtime assigns in order, names — and
//! never a madsim task id, a pointer, or a wall-clock reading. Recording is
//! on every run, so events are small and rarely allocate.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::entry::ObjectRef;
use super::excerpt::Excerpt;
use super::values::{Cause, EndReason, Outcome, StorageOp};
use crate::sim::faults::FaultKind;
use crate::sim::world_config::LocationId;

/// What happened, with the counters that identify the parts involved.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum What {
    /// The run began.
    RunStarted {
        /// The run's seed.
        seed: u64,
    },
    /// First contact with an object: names the [`ObjectRef`](super::ObjectRef).
    ObjectNamed {
        /// The namespace's binding name.
        namespace: Box<str>,
        /// The id as 64 hex digits.
        id: Box<str>,
        /// The name it was derived from, for named ids.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<Box<str>>,
    },
    /// A caller sent a call through a stub.
    CallSent {
        /// The call's number, unique in the run.
        call: u64,
        /// The stub it went through (a run's stubs are counted in `u32`,
        /// which keeps the entry small).
        stub: u32,
        /// Its position among the stub's calls, from 1.
        seq: u32,
        /// `fetch` or the RPC method's name.
        method: Cow<'static, str>,
        /// The calling object (`None`: a client or a Worker); the entry's
        /// epoch is its instance's.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<ObjectRef>,
        /// The start of the serialised arguments (of an RPC call), or of
        /// the URL (of a `fetch`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        args: Option<Excerpt>,
    },
    /// The object's runtime took the call in and started an event for it.
    CallDelivered {
        /// The call.
        call: u64,
        /// The stub it came through.
        stub: u32,
        /// Its position among the stub's calls.
        seq: u32,
        /// The event that runs it.
        event: u64,
    },
    /// The object's alarm, as confirmed batches left it, is now `at_ms`
    /// (Unix milliseconds; `None`: no alarm). The scheduler arms it.
    AlarmScheduled {
        /// When it is due.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_ms: Option<i64>,
    },
    /// An alarm handler started, as `event`.
    AlarmStarted {
        /// The event that runs it.
        event: u64,
        /// When the alarm was due (Unix milliseconds).
        scheduled_ms: i64,
        /// 0 for the first try, then 1, 2, … for retries.
        retry_count: u32,
    },
    /// An alarm handler's try ended (as the scheduler saw it).
    AlarmEnded {
        /// When the alarm was due.
        scheduled_ms: i64,
        /// The try's retry count.
        retry_count: u32,
        /// Whether it succeeded (its writes confirmed).
        ok: bool,
    },
    /// The alarm failed on every allowed retry and was given up.
    AlarmAbandoned {
        /// When the alarm was due.
        scheduled_ms: i64,
    },
    /// The object set its alarm (`at_ms`, Unix milliseconds) or deleted it
    /// (`None`), in `batch`.
    AlarmWritten {
        /// The event that wrote it.
        event: u64,
        /// The batch the write joined.
        batch: u64,
        /// The new time; `None`: deleted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_ms: Option<i64>,
    },
    /// The runtime deleted the alarm due at `scheduled_ms` because its
    /// handler, `event`, succeeded without setting the alarm again.
    AlarmRetired {
        /// The handler's event.
        event: u64,
        /// The batch the deletion joined.
        batch: u64,
        /// When the alarm was due.
        scheduled_ms: i64,
    },
    /// A WebSocket pair was made for the object.
    SocketOpened {
        /// The socket.
        socket: u64,
    },
    /// The object accepted a socket.
    SocketAccepted {
        /// The socket.
        socket: u64,
        /// Through the hibernation API (else plainly).
        hibernatable: bool,
        /// [`content_hash`](super::content_hash) of its tags.
        tags: u64,
    },
    /// The object stored an attachment with a socket.
    SocketAttachment {
        /// The socket.
        socket: u64,
        /// [`content_hash`](super::content_hash) of the serialised attachment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<u64>,
    },
    /// A new instance started and sees a hibernatable socket as kept.
    SocketRestored {
        /// The socket.
        socket: u64,
        /// [`content_hash`](super::content_hash) of its tags.
        tags: u64,
        /// [`content_hash`](super::content_hash) of its attachment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attachment: Option<u64>,
    },
    /// A frame was sent on a socket.
    SocketSent {
        /// The socket.
        socket: u64,
        /// Its number in its direction.
        seq: u64,
        /// Client to object (else object to client).
        to_object: bool,
        /// [`content_hash`](super::content_hash) of the message (the code, for a close).
        content: u64,
        /// The start of a message's text or bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<Excerpt>,
    },
    /// A frame was handed over: its handler started in the object, or the
    /// client received it.
    SocketDelivered {
        /// The socket.
        socket: u64,
        /// Its number in its direction.
        seq: u64,
        /// Client to object (else object to client).
        to_object: bool,
    },
    /// The runtime answered the auto-response request on a socket.
    SocketAutoResponse {
        /// The socket.
        socket: u64,
    },
    /// A socket closed.
    SocketClosed {
        /// The socket.
        socket: u64,
        /// The close code (1006: broken off).
        code: u16,
    },
    /// The caller got the answer.
    ReplyReceived {
        /// The call answered.
        call: u64,
        /// Whether it was a success.
        ok: bool,
        /// The start of the serialised result (of an RPC call that
        /// succeeded).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<Excerpt>,
    },
    /// An instance was created (its constructor ran).
    InstanceCreated,
    /// An instance went away.
    InstanceEnded {
        /// Why.
        reason: EndReason,
    },
    /// An event began running on an instance.
    EventStarted {
        /// The event's number, unique in the run.
        event: u64,
        /// What started it.
        cause: Cause,
    },
    /// An event stopped at an await.
    EventAwaited {
        /// The event.
        event: u64,
    },
    /// An event continued after an await.
    EventResumed {
        /// The event.
        event: u64,
    },
    /// An event finished.
    EventEnded {
        /// The event.
        event: u64,
        /// How.
        outcome: Outcome,
    },
    /// A user handler panicked; the panic became an error for its caller.
    Panicked {
        /// The event.
        event: u64,
        /// The panic message and place.
        message: String,
    },
    /// A storage operation began; the input gate is closed until it ends.
    StorageStarted {
        /// The event.
        event: u64,
        /// Which operation.
        op: StorageOp,
    },
    /// The storage operation of `event` ended.
    StorageEnded {
        /// The event.
        event: u64,
    },
    /// A write joined a batch.
    StorageWrote {
        /// The event.
        event: u64,
        /// The batch it joined.
        batch: u64,
        /// [`content_hash`](super::content_hash) of the key.
        key: u64,
        /// [`content_hash`](super::content_hash) of the value written; `None` for a delete.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<u64>,
        /// The start of the key, for reading.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_text: Option<Excerpt>,
        /// The start of the value written (as stored: JSON).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value_text: Option<Excerpt>,
    },
    /// `delete_all` joined a batch: when it is confirmed, everything
    /// written before it is gone.
    StorageWiped {
        /// The event.
        event: u64,
        /// The batch it joined.
        batch: u64,
    },
    /// A transaction rolled back: of the KV writes recorded for `batch`,
    /// only the first `kept` remain.
    StorageRolledBack {
        /// The event.
        event: u64,
        /// The batch the transaction was in.
        batch: u64,
        /// How many of the batch's recorded writes stay.
        kept: u64,
    },
    /// Storage was restored to a bookmark, as a batch confirmed at once.
    StorageRestored {
        /// The restore's batch.
        batch: u64,
        /// Keys after the restore.
        entries: u64,
    },
    /// What storage held when a new instance started (after whatever the
    /// last one left unconfirmed was dropped): for the durability check.
    StorageDigest {
        /// Number of keys.
        entries: u64,
        /// [`storage_digest`](super::storage_digest) of the keys and values.
        digest: u64,
    },
    /// A batch stopped taking writes and went to storage.
    BatchClosed {
        /// The batch.
        batch: u64,
    },
    /// Storage confirmed a batch: it is durable.
    BatchConfirmed {
        /// The batch.
        batch: u64,
    },
    /// An outgoing message waits for the output gate.
    OutputHeld {
        /// The event sending it.
        event: u64,
        /// The last batch it waits for.
        batch: u64,
    },
    /// An outgoing message (a reply, or a call the object makes) passed the
    /// output gate.
    OutputReleased {
        /// The event sending it.
        event: u64,
        /// The last batch confirmed when it left (0: none was needed).
        batch: u64,
    },
    /// The fault kinds this run may inject (swarm mode draws them per seed).
    /// Service kinds are announced apart, when a service is bound.
    FaultsPlanned {
        /// The kinds switched on.
        kinds: Vec<FaultKind>,
    },
    /// A fault was injected.
    FaultInjected {
        /// Its kind.
        fault: FaultKind,
        /// What it hit (a host, a link, a namespace, …).
        target: String,
    },
    /// A fault ended: a host restarted, a partition healed, a pause ended.
    FaultHealed {
        /// Its kind.
        fault: FaultKind,
        /// What it had hit.
        target: String,
    },
    /// The world healed: no more random faults from here on.
    WorldHealed,
    /// The body finished; faults are off and the run waits (bounded) for
    /// every call still out to be answered or to fail.
    LivenessPhase,
    /// A caller dropped its call before the answer came (not a hang).
    CallAbandoned {
        /// The call.
        call: u64,
    },
    /// A call's request was lost; the runtime sends it again.
    CallRetried {
        /// The call.
        call: u64,
        /// The attempt about to be made (2 to 5).
        attempt: u32,
    },
    /// A message was dropped by the network.
    MessageDropped {
        /// The call it belonged to (0: a commit).
        call: u64,
        /// Where it was going.
        to: LocationId,
    },
    /// The test wrote a note into the trace.
    Note {
        /// The text.
        text: String,
    }, // Services the test defines (`sim.service`).
    /// A call to a service went out from its caller.
    ServiceCalled {
        /// The call's number, unique in the run.
        call: u64,
        /// The service's binding name.
        service: String,
        /// The request's method and URL.
        request: String,
    },
    /// The service's handler finished the call (recorded at the service).
    ServiceHandled {
        /// The call.
        call: u64,
        /// Whether the handler answered (rather than failed).
        ok: bool,
    },
    /// The caller got the call's outcome.
    ServiceAnswered {
        /// The call.
        call: u64,
        /// The response's status, or the error the caller saw.
        outcome: String,
    },
    // Queues.
    /// A queue accepted a message: the send was acknowledged.
    QueueSent {
        /// The queue's binding name.
        queue: String,
        /// The message's number within its queue.
        message: u64,
    },
    /// A queue handed a message to its consumer.
    QueueDelivered {
        /// The queue's binding name.
        queue: String,
        /// The message's number.
        message: u64,
        /// Which delivery (1 the first time).
        attempt: u32,
    },
    /// The consumer acknowledged a message: it leaves the queue.
    QueueAcked {
        /// The queue's binding name.
        queue: String,
        /// The message's number.
        message: u64,
    },
    /// A message will be delivered again.
    QueueRetried {
        /// The queue's binding name.
        queue: String,
        /// The message's number.
        message: u64,
        /// The delivery that failed.
        attempt: u32,
    },
    /// A message ran out of retries and moved to the dead-letter queue.
    QueueDeadLettered {
        /// The queue's binding name.
        queue: String,
        /// The message's number.
        message: u64,
        /// The dead-letter queue's name.
        to: String,
    },
    /// A message ran out of retries with no dead-letter queue: deleted.
    QueueDropped {
        /// The queue's binding name.
        queue: String,
        /// The message's number.
        message: u64,
    },
    // The Worker entry.
    /// A Worker invocation began: a request, or a cron trigger.
    WorkerStarted {
        /// The Worker's name.
        worker: String,
        /// The invocation's number (the runtime's event counter).
        invocation: u64,
        /// What started it: `GET /path`, or `cron <expression>`.
        trigger: String,
    },
    /// A Worker's handler returned (its `wait_until` work may go on).
    WorkerEnded {
        /// The Worker's name.
        worker: String,
        /// The invocation.
        invocation: u64,
        /// The response's status, when the handler answered one.
        status: Option<u16>,
        /// How the handler ended.
        outcome: Outcome,
    },
    /// `wait_until` work still running 30 s after the handler returned was
    /// cancelled.
    WaitUntilCancelled {
        /// The Worker's name.
        worker: String,
        /// The invocation.
        invocation: u64,
        /// How many pieces of work were cancelled.
        count: u64,
    },
    // Natural eviction.
    /// The runtime evicted an instance that stayed idle for its idle
    /// window, with no fault (an `InstanceEnded` with `Evicted` follows).
    IdleEvicted {
        /// How long it had been idle, in simulated milliseconds.
        idle_ms: u64,
    },
    // The KV namespace's events.
    /// A KV namespace's central store took a write (a put or a delete):
    /// from now on it is the key's newest value (last write wins).
    KvWritten {
        /// The namespace's binding name.
        namespace: String,
        /// The key.
        key: String,
        /// The write's number: later writes to any key have larger ones.
        version: u64,
    },
    /// A KV namespace answered a read of `key` at the reader's location
    /// (recorded there, when the answer was chosen).
    KvRead {
        /// The namespace's binding name.
        namespace: Box<str>,
        /// The key.
        key: Box<str>,
        /// The write whose value was read (0: the key was never written).
        version: u64,
        /// How stale the answer may be by the namespace's rules, in
        /// milliseconds: the lifetime its cached copy was given.
        bound_ms: u64,
    },
    /// A bucket operation left its caller.
    BucketSent {
        /// The bucket's own number for the operation.
        call: u64,
        /// The bucket's binding name.
        bucket: Box<str>,
        /// `get`, `head`, `put`, `delete` or `list`.
        op: Box<str>,
        /// The keys it names (for `list`, its prefix).
        keys: Box<[String]>,
    },
    /// A bucket operation's answer reached its caller.
    BucketAnswered {
        /// The operation.
        call: u64,
        /// Whether the caller got an answer, not an error.
        ok: bool,
        /// The keys it read, each with the write it saw (the bucket's
        /// order of writes; 0: never written).
        seen: Box<[(String, u64)]>,
        /// The keys it wrote (a put or a delete), each with its write.
        written: Box<[(String, u64)]>,
    },
    // WebSocket delivery to the client.
    /// The client's `connect` resolved: its end of the socket exists, and
    /// frames the object sent before go on to it.
    SocketConnected {
        /// The socket.
        socket: u64,
    },
    /// A frame from the object reached the client's end of the socket
    /// (where it waits for the client's `recv`).
    SocketArrived {
        /// The socket.
        socket: u64,
        /// Its number in its direction.
        seq: u64,
    },
    /// The run's deadline passed with the test body still running: the
    /// body is cut off here, and the trace ends.
    DeadlinePassed,
    // What a failure story shows.
    /// A `get` of one key read what storage held (the event's own writes
    /// included).
    StorageRead {
        /// The event.
        event: u64,
        /// The start of the key.
        key_text: Excerpt,
        /// The start of the value read (as stored: JSON); `None`: no value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value_text: Option<Excerpt>,
    },
    /// The test pointed the failure story at a key or an entity
    /// ([`Sim::focus`](crate::Sim::focus)).
    Focus {
        /// What the story should follow.
        key: String,
    },
    // The agents layer's events.
    /// An agent armed its object's one alarm for its schedules and queue.
    AgentAlarmArmed {
        /// The alarm it set (Unix milliseconds; `None`: it deleted it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at_ms: Option<i64>,
        /// When its earliest schedule (or queued task) is due, as its
        /// table says (`None`: nothing is pending).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        earliest_ms: Option<i64>,
    },
    /// An agent wrote a new schedule (in the event's batch).
    AgentScheduleAdded {
        /// The schedule's id: never reused by the agent.
        schedule: u64,
        /// When it is first due (Unix milliseconds).
        due_ms: i64,
    },
    /// An agent ran a schedule's task (or gave up on it after its last
    /// allowed try).
    AgentScheduleRan {
        /// The schedule.
        schedule: u64,
        /// When it was due (Unix milliseconds).
        due_ms: i64,
        /// Whether it runs once (then it is removed), else it re-arms.
        one_shot: bool,
        /// Whether the task succeeded.
        ok: bool,
    },
    /// An agent wrote its state (in the event's batch).
    AgentStateSaved {
        /// [`content_hash`](super::content_hash) of the state as JSON.
        state: u64,
    },
    /// A new agent instance read its persisted state.
    AgentStateLoaded {
        /// [`content_hash`](super::content_hash) of the state as JSON.
        state: u64,
    },
    /// A client of an agent received a state push on `socket`.
    AgentStateReceived {
        /// The socket.
        socket: u64,
        /// [`content_hash`](super::content_hash) of the state as JSON.
        state: u64,
    },
    /// An agent removed a schedule before it ran (in the event's batch).
    AgentScheduleCancelled {
        /// The schedule.
        schedule: u64,
    },
    /// A JavaScript object wrote a `console` line, or one of its handlers
    /// threw (level `uncaught`).
    JsLogged {
        /// The event that wrote it (0: none).
        event: u64,
        /// `log`, `info`, `warn`, `error`, `debug` or `uncaught`.
        level: String,
        /// The line.
        text: String,
    },
}
