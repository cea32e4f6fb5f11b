//! libFuzzer drives the racy counter's runs: the input bytes are the seed
//! and the fault schedule (`dosim::fuzz::case_from_bytes`). A failing run
//! panics, so libFuzzer keeps the input as a crash; it is also saved as a
//! corpus file under `corpus/fuzz_counter_racy/`, which `cargo test` can
//! replay like any saved failure.
//!
//! For your own object, change `Runner::new(…)` and the workload below.

#![no_main]

use dosim_workloads::counter_racy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let runner = dosim::Runner::new("fuzz_counter_racy").quiet();
    let record = dosim::fuzz::run(&runner, bytes, counter_racy::workload);
    if let Some(reason) = &record.failure {
        let file = dosim::corpus::CorpusFile::of(&runner, &record);
        let _ = file.save(std::path::Path::new("../corpus"));
        panic!("dosim found a failure: {reason}");
    }
});
