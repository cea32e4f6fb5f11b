//! The `archive_chat_early_clear` example: the archiving room's buggy twin,
//! which deletes a batch from SQL before the bucket confirmed its put.
//! A put that fails, or a crash before it leaves, loses the batch.

use std::cell::{Cell, RefCell};

use dosim::{DurableObject, Env, Result, State};

use crate::archive_chat::{self, ArchiveRoomRpc, Line};

/// A room that clears its batch too early.
pub struct EarlyClearRoom {
    state: State,
    env: Env,
    buffer: RefCell<Vec<Line>>,
    archiving: Cell<bool>,
}

impl DurableObject for EarlyClearRoom {
    fn new(state: State, env: Env) -> Self {
        let buffer = archive_chat::setup(&state).unwrap_or_default();
        EarlyClearRoom {
            state,
            env,
            buffer: RefCell::new(buffer),
            archiving: Cell::new(false),
        }
    }
}

dosim::rpc! {
    impl ArchiveRoomRpc for EarlyClearRoom {
        async fn post(&self, text: String) -> Result<i64> {
            let id = archive_chat::insert(&self.state, &text)?;
            self.buffer.borrow_mut().push((id, text));
            let _ = self.archive().await;
            Ok(id)
        }

        async fn history(&self) -> Result<Vec<Line>> {
            archive_chat::rows(&self.state)
        }
    }
}

impl EarlyClearRoom {
    async fn archive(&self) -> Result<()> {
        let Some(batch) = archive_chat::full_batch(&self.buffer.borrow()) else {
            return Ok(());
        };
        if self.archiving.replace(true) {
            return Ok(());
        }
        // BUG: the batch leaves SQL before the bucket holds it.
        archive_chat::forget(&self.state, &self.buffer, &batch)?;
        let put = archive_chat::put_batch(&self.env, &batch).await;
        self.archiving.set(false);
        put
    }
}

/// The archiving room's workload, on the twin.
pub async fn workload(sim: dosim::Sim) -> Result<()> {
    archive_chat::workload::<EarlyClearRoom>(sim).await
}
