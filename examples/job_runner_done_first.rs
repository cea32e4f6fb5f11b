//! `job_runner_done_first`: the job runner's buggy twin, which dosim must
//! catch.
//!
//! It marks a job done before running its steps. A crash in the middle of
//! the steps leaves the job shown done; the alarm's retry sees it done and
//! skips it, so its remaining steps never run. The workload is the
//! original's, so the property that fails is "a job shown done ran all its
//! steps".
//!
//! ```text
//! cargo run --release --example job_runner_done_first -- run --seeds 500   # exits 1
//! ```

use std::process::ExitCode;

use dosim_workloads::job_runner::{runner, workload};
use dosim_workloads::job_runner_done_first::DoneFirstJobRunner;

fn main() -> ExitCode {
    dosim::cli_main(
        runner("job_runner_done_first"),
        workload::<DoneFirstJobRunner>,
    )
}
