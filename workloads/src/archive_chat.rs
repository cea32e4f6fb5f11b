//! The `archive_chat` example: a chat room that keeps its recent history
//! in SQL and moves older messages, in batches, to a bucket; and the
//! workload whose property every such room (its early-clearing twin
//! included) must keep: no acknowledged message is lost or duplicated.
//!
//! The room archives the oldest [`ARCHIVE_EVERY`] messages as one bucket
//! object, keyed by their id range, and deletes those rows only once the
//! bucket confirmed the put. A put that failed, or whose outcome is
//! unknown, leaves the rows in place; the next try writes the same key
//! with the same content, so a put that did land is harmless to repeat.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::time::Duration;

use dosim::platform::bucket::PutOptions;
use dosim::{DurableObject, Env, Result, RpcTarget, Sim, State, Stub};

use crate::archive;

/// Messages per archived batch. Production rooms would use more (100, say);
/// a smaller batch archives several times within one short run.
pub const ARCHIVE_EVERY: usize = 10;

/// Messages each client posts.
pub const MESSAGES_PER_CLIENT: u64 = 20;

/// The room every client posts to.
pub const ROOM: &str = "lobby";

/// The bucket binding the room archives to.
pub const BUCKET: &str = "ARCHIVE";

/// Where archived batches go in the bucket.
pub const ARCHIVE_PREFIX: &str = "archive/lobby/";

/// One message: its id in the room, and its text.
pub type Line = (i64, String);

/// The room.
pub struct ArchiveRoom {
    state: State,
    pub(crate) env: Env,
    /// The messages not archived yet, oldest first (a copy of the SQL
    /// rows, rebuilt from them when an instance starts).
    buffer: RefCell<Vec<Line>>,
    /// An archive put is out: a second one would only repeat it.
    pub(crate) archiving: Cell<bool>,
}

impl DurableObject for ArchiveRoom {
    fn new(state: State, env: Env) -> Self {
        let buffer = setup(&state).unwrap_or_default();
        ArchiveRoom {
            state,
            env,
            buffer: RefCell::new(buffer),
            archiving: Cell::new(false),
        }
    }
}

#[dosim::rpc_methods(pub ArchiveRoomRpc)]
impl ArchiveRoom {
    /// Stores `text`; returns its id. Archives a batch when one is full.
    pub async fn post(&self, text: String) -> Result<i64> {
        let id = self.store(text)?;
        // A failed archive leaves the rows for the next post to retry.
        let _ = self.archive().await;
        Ok(id)
    }

    /// The messages still in SQL, oldest first.
    pub async fn history(&self) -> Result<Vec<Line>> {
        rows(&self.state)
    }
}

impl ArchiveRoom {
    /// Stores `text` in SQL and in the buffer; returns its id.
    pub(crate) fn store(&self, text: String) -> Result<i64> {
        let id = insert(&self.state, &text)?;
        self.buffer.borrow_mut().push((id, text));
        Ok(id)
    }

    /// The oldest full batch, unless none is full or one is being
    /// archived; marks it as being archived.
    pub(crate) fn take_batch(&self) -> Option<Vec<Line>> {
        let batch = full_batch(&self.buffer.borrow())?;
        (!self.archiving.replace(true)).then_some(batch)
    }

    /// Archives the oldest full batch, then deletes it from SQL.
    async fn archive(&self) -> Result<()> {
        let Some(batch) = self.take_batch() else {
            return Ok(());
        };
        let put = put_batch(&self.env, &batch).await;
        self.archiving.set(false);
        put?;
        self.forget(&batch)
    }

    /// Deletes `batch` from SQL and from the buffer.
    pub(crate) fn forget(&self, batch: &[Line]) -> Result<()> {
        let last = batch.last().map_or(0, |(id, _)| *id);
        self.state
            .storage()
            .sql()
            .exec("DELETE FROM history WHERE id <= ?", (last,))?;
        self.buffer.borrow_mut().retain(|(id, _)| *id > last);
        Ok(())
    }
}

/// Creates the schema; returns the messages not archived yet.
pub fn setup(state: &State) -> Result<Vec<Line>> {
    // AUTOINCREMENT: an id is never reused after its row was archived.
    state.storage().sql().exec(
        "CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY AUTOINCREMENT, \
         text TEXT NOT NULL)",
        (),
    )?;
    rows(state)
}

/// Stores `text`; returns its id.
pub fn insert(state: &State, text: &str) -> Result<i64> {
    let sql = state.storage().sql();
    let mut rows = sql
        .exec(
            "INSERT INTO history (text) VALUES (?) RETURNING id",
            (text,),
        )?
        .raw();
    match rows.next().as_deref() {
        Some([dosim::SqlValue::Integer(id)]) => Ok(*id),
        other => dosim::bail!("the insert returned {other:?}, not one id"),
    }
}

/// The messages in SQL, oldest first.
pub fn rows(state: &State) -> Result<Vec<Line>> {
    state
        .storage()
        .sql()
        .exec("SELECT id, text FROM history ORDER BY id", ())?
        .to_array()
}

/// The oldest [`ARCHIVE_EVERY`] messages of `buffer`, once it holds that
/// many.
fn full_batch(buffer: &[Line]) -> Option<Vec<Line>> {
    (buffer.len() >= ARCHIVE_EVERY).then(|| buffer[..ARCHIVE_EVERY].to_vec())
}

/// Writes `batch` to the bucket as one object, keyed by its id range.
pub async fn put_batch(env: &Env, batch: &[Line]) -> Result<()> {
    let (first, last) = match (batch.first(), batch.last()) {
        (Some(f), Some(l)) => (f.0, l.0),
        _ => return Ok(()),
    };
    let key = format!("{ARCHIVE_PREFIX}{first:010}-{last:010}");
    let body: String = batch.iter().map(|(id, t)| format!("{id}\t{t}\n")).collect();
    env.bucket(BUCKET)?
        .put(&key, body, PutOptions::default())
        .await?;
    Ok(())
}

/// Reads one archived batch's body back into lines.
fn parse(key: &str, body: &str) -> Result<Vec<Line>> {
    body.lines()
        .map(|l| {
            let (id, text) = l.split_once('\t').ok_or_else(|| {
                dosim::Error::new(format!("archive `{key}` holds a bad line `{l}`"))
            })?;
            let id = id
                .parse()
                .map_err(|_| dosim::Error::new(format!("archive `{key}`: bad id `{id}`")))?;
            Ok((id, text.to_string()))
        })
        .collect()
}

/// Every archived message, read back from the bucket.
async fn archived(sim: &Sim) -> Result<Vec<Line>> {
    let mut lines = Vec::new();
    for (key, body) in archive::bodies(&sim.bucket(BUCKET)?, ARCHIVE_PREFIX).await? {
        lines.extend(parse(&key, &body)?);
    }
    Ok(lines)
}

/// The workload and its property, for any room that archives like
/// [`ArchiveRoom`] (its twin included).
pub async fn workload<O>(sim: Sim) -> Result<()>
where
    O: DurableObject + RpcTarget,
    Stub<O>: ArchiveRoomRpc,
{
    sim.bucket(BUCKET)?;
    let rooms = sim.register::<O>("ROOMS")?;
    let mut clients = Vec::new();
    for (c, client) in sim.clients().into_iter().enumerate() {
        let ns = client.namespace::<O>("ROOMS")?;
        let think = Duration::from_micros(sim.random_below(50_000));
        clients.push(client.spawn(async move {
            let mut acknowledged = Vec::new();
            let mut stub = ns.get_by_name(ROOM);
            for n in 0..MESSAGES_PER_CLIENT {
                let text = format!("c{c}-{n}");
                // No retry: a failed post may or may not be stored.
                match stub.post(text.clone()).await {
                    Ok(_) => acknowledged.push(text),
                    Err(_) => stub = ns.get_by_name(ROOM),
                }
                dosim::sleep(think).await;
            }
            acknowledged
        }));
    }
    let acknowledged: Vec<String> = dosim::join_all(clients).await?.concat();
    let in_sql = sim.eventually(|| rooms.get_by_name(ROOM).history()).await?;
    let in_archive = sim.eventually(|| archived(&sim)).await?;
    check(&acknowledged, &in_sql, &in_archive)
}

/// The property: every acknowledged message is in SQL or in the archive,
/// and no message is there twice (one id, one text; a batch archived again
/// is the same lines under the same ids).
pub fn check(acknowledged: &[String], in_sql: &[Line], in_archive: &[Line]) -> Result<()> {
    let mut by_id: BTreeMap<i64, &str> = BTreeMap::new();
    for (id, text) in in_archive.iter().chain(in_sql) {
        if let Some(other) = by_id.insert(*id, text) {
            if other != text {
                dosim::bail!("message id {id} holds both `{other}` and `{text}`");
            }
        }
    }
    let mut ids_of: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (id, text) in &by_id {
        ids_of.entry(text).or_default().push(*id);
    }
    if let Some((text, ids)) = ids_of.iter().find(|(_, ids)| ids.len() > 1) {
        dosim::bail!("message `{text}` is stored twice, as ids {ids:?}");
    }
    let lost: Vec<&String> = acknowledged
        .iter()
        .filter(|t| !ids_of.contains_key(t.as_str()))
        .collect();
    if !lost.is_empty() {
        dosim::bail!(
            "{} acknowledged messages are neither in SQL history nor archived (e.g. `{}`); \
             SQL holds {}, the archive {}",
            lost.len(),
            lost[0],
            in_sql.len(),
            in_archive.len()
        );
    }
    Ok(())
}
