//! The `reminders_single_slot` example: the reminders agent's buggy twin,
//! which keeps one pending reminder per user: adding one cancels the one
//! pending before it, so the earlier reminders never fire.

use dosim::agents::{Agent, AgentContext};
use dosim::{Env, Result};
use serde_json::Value;

use crate::reminders::{self, Due, RemindersRpc, Report};

/// A user's reminders with room for one pending time.
pub struct SingleSlotReminders {
    ctx: AgentContext<()>,
}

impl Agent for SingleSlotReminders {
    type State = ();

    fn create(ctx: AgentContext<()>, _env: Env) -> Self {
        reminders::setup(&ctx);
        SingleSlotReminders { ctx }
    }

    fn context(&self) -> &AgentContext<()> {
        &self.ctx
    }

    fn initial_state(&self) {}

    async fn run_task(&self, task: &str, payload: Value) -> Result<()> {
        reminders::fire(&self.ctx, task, payload)
    }
}

#[dosim::rpc_methods(impl RemindersRpc)]
impl SingleSlotReminders {
    async fn add(&self, label: String, due: Due) -> Result<()> {
        if reminders::known(&self.ctx, &label)? {
            return Ok(());
        }
        // The bug: one slot, overwritten by each new reminder.
        for pending in self.ctx.get_schedules()? {
            self.ctx.cancel_schedule(pending.id).await?;
        }
        reminders::schedule(&self.ctx, &label, &due).await
    }

    async fn report(&self) -> Result<Report> {
        reminders::report(&self.ctx)
    }
}
