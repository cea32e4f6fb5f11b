//! What the sim tests share: a sweep of a few seeds, no faults, that must
//! pass (failure texts in the panic).

pub mod greeter;
#[cfg(feature = "js")]
pub mod js;

use dosim::{Faults, Result, Runner, Sim};
use futures::future::LocalBoxFuture;

/// Runs `body` over `seeds` seeds with no faults; panics with every
/// failure's report if one fails.
pub fn check(name: &str, seeds: u64, body: fn(Sim) -> LocalBoxFuture<'static, Result<()>>) {
    let report = Runner::new(name)
        .seeds(seeds)
        .faults(Faults::None)
        .quiet()
        .run(body);
    assert!(
        report.passed(),
        "{:#?}",
        report.failures.iter().map(|f| &f.text).collect::<Vec<_>>()
    );
}
