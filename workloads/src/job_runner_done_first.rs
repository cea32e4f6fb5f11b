//! The `job_runner_done_first` example: the job runner's buggy twin, which
//! marks a job done before doing it: a crash in the middle leaves it shown
//! done, and the retry skips it, so its remaining steps are lost.

use dosim::agents::{Agent, AgentContext};
use dosim::{Env, Result};
use serde_json::Value;

use crate::job_runner::{self, Board, JobRunnerRpc};

/// A job runner that reports a job done first.
pub struct DoneFirstJobRunner {
    ctx: AgentContext<Board>,
}

impl Agent for DoneFirstJobRunner {
    type State = Board;

    fn create(ctx: AgentContext<Board>, _env: Env) -> Self {
        job_runner::setup(&ctx);
        DoneFirstJobRunner { ctx }
    }

    fn context(&self) -> &AgentContext<Board> {
        &self.ctx
    }

    fn initial_state(&self) -> Board {
        Board::new()
    }

    async fn run_task(&self, task: &str, payload: Value) -> Result<()> {
        let job = job_runner::job_of(task, &payload)?;
        if self.state().get(&job).is_some_and(|p| p.done) {
            return Ok(());
        }
        // The bug: done before the work.
        let mut board = self.state();
        board.entry(job.clone()).or_default().done = true;
        self.set_state(board).await?;
        job_runner::run_steps(self, &job).await
    }
}

#[dosim::rpc_methods(impl JobRunnerRpc)]
impl DoneFirstJobRunner {
    async fn submit(&self, job: String) -> Result<()> {
        job_runner::submit(self, &job).await
    }

    async fn status(&self) -> Result<(Board, std::collections::BTreeMap<String, u64>)> {
        Ok((self.state(), job_runner::steps_done(&self.ctx)?))
    }
}
