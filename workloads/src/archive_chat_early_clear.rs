//! The `archive_chat_early_clear` example: the archiving room's buggy twin,
//! which deletes a batch from SQL before the bucket confirmed its put.
//! A put that fails, or a crash before it leaves, loses the batch.

use dosim::{DurableObject, Env, Result, State};

use crate::archive_chat::{self, ArchiveRoom};

/// A room that clears its batch too early; everything else is the room's.
pub struct EarlyClearRoom {
    inner: ArchiveRoom,
}

impl DurableObject for EarlyClearRoom {
    fn new(state: State, env: Env) -> Self {
        EarlyClearRoom {
            inner: ArchiveRoom::new(state, env),
        }
    }
}

#[dosim::rpc_methods(impl archive_chat::ArchiveRoomRpc, fallback = inner)]
impl EarlyClearRoom {
    async fn post(&self, text: String) -> Result<i64> {
        let id = self.inner.store(text)?;
        let _ = self.archive().await;
        Ok(id)
    }
}

impl EarlyClearRoom {
    async fn archive(&self) -> Result<()> {
        let Some(batch) = self.inner.take_batch() else {
            return Ok(());
        };
        // BUG: the batch leaves SQL before the bucket holds it.
        self.inner.forget(&batch)?;
        let put = archive_chat::put_batch(&self.inner.env, &batch).await;
        self.inner.archiving.set(false);
        put
    }
}

/// The archiving room's workload, on the twin.
pub async fn workload(sim: dosim::Sim) -> Result<()> {
    archive_chat::workload::<EarlyClearRoom>(sim).await
}
