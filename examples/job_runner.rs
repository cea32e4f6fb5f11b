//! `job_runner`: a job queue on the agents layer.
//!
//! Clients submit jobs; each is a task of the agent's queue, run one at a
//! time in order, step by step (a step may fail and is retried by the
//! alarm); each step's progress is pushed to connected dashboards through
//! state sync. Crashes come in the middle of jobs. The properties:
//! - every job submitted finishes, and a job shown done ran all its steps;
//! - every dashboard still connected ends up showing the final board (and
//!   the `agent_state_sync` monitor holds).
//!
//! ```text
//! cargo run --release --example job_runner -- run --seeds 2000
//! ```

use std::process::ExitCode;

use dosim_workloads::job_runner::{runner, workload, JobRunner};

fn main() -> ExitCode {
    dosim::cli_main(runner("job_runner"), workload::<JobRunner>)
}
