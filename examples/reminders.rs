//! `reminders`: per-user reminders on the agents layer.
//!
//! Each user's agent holds several reminders at once, each a schedule of
//! its own: two one-shot reminders after a delay and one on a cron
//! expression, all multiplexed onto the object's one alarm. Over two
//! simulated hours, under swarm faults in the first seconds:
//! - every reminder due fired, none before its time;
//! - the cron reminder fired at each of its matches (at least twice);
//! - the `agent_schedules` monitor holds: the alarm is always the earliest
//!   schedule, a one-shot schedule confirmed done never runs again.
//!
//! ```text
//! cargo run --release --example reminders -- run --seeds 2000
//! ```

use std::process::ExitCode;

use dosim_workloads::reminders::{runner, workload, Reminders};

fn main() -> ExitCode {
    dosim::cli_main(runner("reminders"), workload::<Reminders>)
}
