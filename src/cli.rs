//! The command line a test binary gets for free: `run`, `replay`, `shrink`,
//! `view` and friends over one [`Runner`](crate::Runner) and workload.
//!
//! A binary's `main` is one call, [`main`]; [`main_from`] takes the
//! arguments explicitly (for tests of the command line itself).

pub use crate::check::{cli_main as main, cli_main_from as main_from};
pub use crate::check::{Cli, Command, FaultsArg, RunArgs};
