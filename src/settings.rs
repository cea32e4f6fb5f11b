//! Every `DOSIM_*` environment variable, read in one place, once.
//!
//! Hidden inputs make runs hard to reproduce, so dosim reads its
//! environment only here and echoes what it used in its reports. A bad value
//! is kept as an error and reported by whoever needs the setting, with the
//! variable's name; it never panics at start-up.

use std::sync::OnceLock;

use crate::sim::seed::{Seed, SeedParseError};

/// The settings taken from the environment.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// `DOSIM_SEED`: replay exactly this seed.
    pub(crate) seed: Option<Result<Seed, SeedParseError>>,
    /// `DOSIM_SEEDS`: how many seeds a sweep runs.
    pub(crate) seeds: Option<Result<u64, String>>,
    /// `DOSIM_TRACE_DIR`: where trace files go.
    pub(crate) trace_dir: Option<String>,
    /// `DOSIM_LOG`: a log filter (as `RUST_LOG`); logs go to stderr,
    /// stamped with simulated time.
    pub(crate) log: Option<String>,
    /// `DOSIM_CHECK_DETERMINISM=1`: run every seed twice and compare.
    pub(crate) check_determinism_all: bool,
    /// `DOSIM_MUTATION`: the planted bug to switch on (feature `mutations`).
    #[cfg_attr(not(feature = "mutations"), allow(dead_code))]
    pub(crate) mutation: Option<crate::mutations::Mutation>,
    /// `DOSIM_MUTATION` named no known switch.
    pub(crate) mutation_error: Option<String>,
}

impl Settings {
    /// The process's settings (read on first use).
    pub(crate) fn get() -> &'static Settings {
        static SETTINGS: OnceLock<Settings> = OnceLock::new();
        SETTINGS.get_or_init(Settings::from_env)
    }

    fn from_env() -> Settings {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let seeds = var("DOSIM_SEEDS").map(|s| match s.trim().parse::<u64>() {
            Ok(0) => Err("DOSIM_SEEDS=0 would run no seed and test nothing; \
                     give at least 1 (e.g. DOSIM_SEEDS=100)"
                .to_string()),
            Ok(n) => Ok(n),
            Err(_) => Err(format!(
                "DOSIM_SEEDS=`{s}` is not a number of seeds (expected e.g. DOSIM_SEEDS=100)"
            )),
        });
        let (mutation, mutation_error) = match var("DOSIM_MUTATION") {
            None => (None, None),
            Some(name) => match crate::mutations::Mutation::ALL
                .iter()
                .find(|m| m.name() == name.trim())
            {
                Some(m) if cfg!(feature = "mutations") => (Some(*m), None),
                Some(_) => (
                    None,
                    Some(format!(
                        "DOSIM_MUTATION={name} needs the `mutations` feature: add --features mutations"
                    )),
                ),
                None => (
                    None,
                    Some(format!(
                        "DOSIM_MUTATION=`{name}` is not a mutation switch; the switches are: {}",
                        crate::mutations::Mutation::ALL
                            .iter()
                            .map(|m| m.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ),
            },
        };
        Settings {
            seed: var("DOSIM_SEED").map(|s| s.parse::<Seed>()),
            seeds,
            trace_dir: var("DOSIM_TRACE_DIR"),
            log: var("DOSIM_LOG"),
            check_determinism_all: var("DOSIM_CHECK_DETERMINISM").is_some_and(|v| v != "0"),
            mutation,
            mutation_error,
        }
    }
}
