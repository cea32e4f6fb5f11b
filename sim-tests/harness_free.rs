//! A `[[test]]` target with `harness = false`, as a user writes one: its
//! `main` is the dosim command line, so `cargo test` runs its sweep and
//! passes it the test harness's options, which it must take.
//!
//! `HARNESS_FREE_FAIL=1` makes every seed fail, so that `sim-tests/replay.rs`
//! can check the replay command such a target prints.

use std::process::ExitCode;

use dosim::{Faults, Runner};

fn main() -> ExitCode {
    let fail = std::env::var("HARNESS_FREE_FAIL").is_ok_and(|v| v == "1");
    let runner = Runner::new("harness_free").seeds(3).faults(Faults::None);
    dosim::cli::main(runner, move |sim: dosim::Sim| async move {
        dosim::sleep(std::time::Duration::from_millis(10)).await;
        if fail {
            dosim::bail!("failing on purpose at t={:?}", sim.elapsed());
        }
        Ok(())
    })
}
