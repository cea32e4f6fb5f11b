//! The entry points' defaults, as a first test meets them: `dosim::check`
//! sweeps under swarm faults, the fault window is a knob that reaches
//! hour-scale workloads, and the errors name the knob to turn.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use dosim::{Faults, Runner, Seed};

fn panic_text(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("it panics");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn check_sweeps_under_swarm_faults() {
    let text = panic_text(|| {
        dosim::check("check_swarm", |_sim| async {
            dosim::sleep(Duration::from_secs(10)).await;
            dosim::bail!("failing on purpose")
        })
    });
    assert!(
        text.contains("faults until t=5s (Runner::fault_window)"),
        "{text}"
    );
    assert!(!text.contains("no faults planned"), "{text}");
    assert!(
        text.contains("dosim: check_swarm: 0 passed, 100 failed"),
        "{text}"
    );
}

#[test]
fn a_passing_check_returns_and_a_failing_one_panics() {
    // The passing sweep also prints its one line (with the faults
    // injected) to this test's log, past the harness's capture.
    dosim::check("check_passes", |_sim| async {
        dosim::sleep(Duration::from_secs(1)).await;
        Ok(())
    });
    let text = panic_text(|| dosim::check("check_fails", |_sim| async { dosim::bail!("no") }));
    assert!(
        text.contains("(first failure of 100 in 100 seeds"),
        "{text}"
    );
}

#[test]
fn swarm_faults_keep_coming_for_the_whole_fault_window() {
    let last_fault_ms = |runner: Runner| {
        let record = runner.record(Seed::nth(3), |_sim| async {
            dosim::sleep(Duration::from_secs(60)).await;
            Ok(())
        });
        assert_eq!(record.failure, None);
        record
            .faults_applied
            .iter()
            .map(|f| f.at_ms)
            .max()
            .unwrap_or(0)
    };
    let swarm = || Runner::new("fault_window").faults(Faults::Swarm);
    assert!(last_fault_ms(swarm()) < 5_000);
    let late = last_fault_ms(swarm().fault_window(Duration::from_secs(60)));
    assert!((30_000..60_000).contains(&late), "last fault at {late} ms");
    assert_eq!(
        swarm()
            .fault_window(Duration::from_secs(60))
            .fault_window_setting(),
        Some(Duration::from_secs(60))
    );
    assert_eq!(Runner::new("none").fault_window_setting(), None);
    // No longer than the run may last.
    let whole_run = swarm()
        .deadline(Duration::from_secs(90))
        .fault_window(Duration::MAX);
    assert_eq!(
        whole_run.fault_window_setting(),
        Some(Duration::from_secs(90))
    );
    let late = last_fault_ms(whole_run);
    assert!((30_000..60_000).contains(&late), "last fault at {late} ms");
}

#[test]
fn a_deadline_failure_names_the_knob_that_moves_it() {
    let report = Runner::new("deadline")
        .faults(Faults::None)
        .deadline(Duration::from_secs(1))
        .seeds(1)
        .quiet()
        .run(|_sim| async {
            dosim::sleep(Duration::from_secs(2)).await;
            Ok(())
        });
    let reason = report.failures[0].reason.to_string();
    assert!(reason.starts_with("deadline exceeded"), "{reason}");
    assert!(
        reason.contains("`Runner::deadline` moves the deadline"),
        "{reason}"
    );
}

#[test]
fn a_sweep_of_no_seeds_is_an_error() {
    let report = Runner::new("empty").seeds(0).run(|_sim| async { Ok(()) });
    let error = report.setup_error.clone().expect("refused");
    assert!(error.contains("a sweep of 0 seeds runs nothing"), "{error}");
    assert!(!report.passed());
}

#[test]
fn the_clock_outside_a_run_is_a_clear_panic_naming_the_function() {
    let text = panic_text(|| {
        dosim::now();
    });
    assert!(
        text.starts_with("dosim::now() called outside a simulated run"),
        "{text}"
    );
    let text = panic_text(|| {
        dosim::elapsed();
    });
    assert!(
        text.starts_with("dosim::elapsed() called outside a simulated run"),
        "{text}"
    );
}
