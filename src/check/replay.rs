//! The command a failure report prints to run the failing seed again.
//!
//! The command has to work when pasted, from whatever kind of target
//! called dosim: an example, a `[[bin]]`, a `[[test]]` with
//! `harness = false` (these three through the command line,
//! [`crate::cli::main`]), or an ordinary `#[test]` calling [`crate::check`].
//! Cargo puts each kind's executable in its own place, so the kind is read
//! off the running executable's path, and an ordinary test's name off its
//! thread (the test harness names each test's thread after the test).

use std::path::Path;

use crate::mutations::Mutation;
use crate::sim::seed::Seed;

/// How to run one seed again: the command a failure report prints.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replay {
    /// An ordinary `#[test]`, replayed through `DOSIM_SEED`.
    Test {
        /// `--test <target>`, or `None` for the library's unit tests.
        target: Option<String>,
        /// The test's full name.
        name: String,
    },
    /// An example binary.
    Example {
        /// Its name.
        name: String,
        /// Built with `--release`.
        release: bool,
        /// Options to pass again (`--faults none`, …).
        args: String,
    },
    /// A `[[bin]]` target that calls [`crate::cli::main`].
    Bin {
        /// Its name.
        name: String,
        /// Built with `--release`.
        release: bool,
        /// Options to pass again (`--faults none`, …).
        args: String,
    },
    /// A `[[test]]` target with `harness = false` that calls
    /// [`crate::cli::main`].
    HarnessFree {
        /// The test target's name.
        name: String,
        /// Built with `--release`.
        release: bool,
        /// Options to pass again (`--faults none`, …).
        args: String,
    },
    /// A command of the user's own; `{seed}` is replaced by the seed.
    Custom(String),
}

impl Replay {
    /// Works out how this process was started, from its executable's path
    /// and the current thread's name.
    pub(crate) fn detect() -> Replay {
        let exe = std::env::current_exe().unwrap_or_default();
        let package =
            std::env::var("CARGO_PKG_NAME").unwrap_or_else(|_| env!("CARGO_PKG_NAME").to_string());
        Replay::of_process(&exe, std::thread::current().name(), &package)
    }

    /// The replay of a process running `exe` on a thread named `thread`,
    /// in the package `package`:
    /// - `target/<profile>/examples/<name>`: an example;
    /// - `target/<profile>/deps/<name>-<hash>`: a test binary; on a thread
    ///   named after a test, an ordinary `#[test]` (of the library when
    ///   `<name>` is the package's crate name), else a `harness = false`
    ///   target running on its main thread;
    /// - anything else: a `[[bin]]`.
    pub fn of_process(exe: &Path, thread: Option<&str>, package: &str) -> Replay {
        let stem = exe
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("unknown");
        let name = strip_hash(stem).to_string();
        let release = exe.components().any(|c| c.as_os_str() == "release");
        let dir = exe.parent().and_then(|p| p.file_name());
        if dir.is_some_and(|d| d == "examples") {
            return Replay::Example {
                name,
                release,
                args: String::new(),
            };
        }
        if dir.is_none_or(|d| d != "deps") {
            return Replay::Bin {
                name,
                release,
                args: String::new(),
            };
        }
        match thread {
            Some(test) if test != "main" => {
                let library = name == package.replace('-', "_");
                Replay::Test {
                    target: (!library).then_some(name),
                    name: test.to_string(),
                }
            }
            _ => Replay::HarnessFree {
                name,
                release,
                args: String::new(),
            },
        }
    }

    /// The same replay passing `args` (`--faults none`, …) to the command
    /// line; the replays that do not go through it are unchanged.
    pub fn with_args(self, args: &str) -> Replay {
        match self {
            Replay::Example { name, release, .. } => Replay::Example {
                name,
                release,
                args: args.to_string(),
            },
            Replay::Bin { name, release, .. } => Replay::Bin {
                name,
                release,
                args: args.to_string(),
            },
            Replay::HarnessFree { name, release, .. } => Replay::HarnessFree {
                name,
                release,
                args: args.to_string(),
            },
            other => other,
        }
    }

    /// The command that replays `seed` with the planted bug `mutation`
    /// switched on (the same one must be, or the run differs).
    pub fn command_with(&self, seed: Seed, mutation: Option<Mutation>) -> String {
        let plain = self.command(seed);
        let Some(m) = mutation else { return plain };
        let with_feature = match self {
            Replay::Custom(_) => plain,
            _ => ["cargo run", "cargo test"]
                .iter()
                .find(|c| plain.contains(*c))
                .map_or(plain.clone(), |c| {
                    plain.replacen(c, &format!("{c} --features mutations"), 1)
                }),
        };
        format!("DOSIM_MUTATION={} {with_feature}", m.name())
    }

    /// The command that replays `seed`.
    pub fn command(&self, seed: Seed) -> String {
        let cli = |cargo: &str, kind: &str, name: &str, release: bool, args: &str| {
            let release = if release { " --release" } else { "" };
            let args = if args.is_empty() {
                String::new()
            } else {
                format!(" {args}")
            };
            format!("cargo {cargo}{release} --{kind} {name} -- replay {seed}{args}")
        };
        match self {
            Replay::Test { target, name } => {
                let target = match target {
                    Some(t) => format!("--test {t}"),
                    None => "--lib".to_string(),
                };
                format!("DOSIM_SEED={seed} cargo test {target} {name} -- --exact")
            }
            Replay::Example {
                name,
                release,
                args,
            } => cli("run", "example", name, *release, args),
            Replay::Bin {
                name,
                release,
                args,
            } => cli("run", "bin", name, *release, args),
            Replay::HarnessFree {
                name,
                release,
                args,
            } => cli("test", "test", name, *release, args),
            Replay::Custom(template) => template.replace("{seed}", &seed.to_string()),
        }
    }
}

/// `counter-3f2a…` → `counter`: cargo appends a hash to test binaries.
fn strip_hash(stem: &str) -> &str {
    match stem.rsplit_once('-') {
        Some((head, tail)) if tail.len() == 16 && tail.chars().all(|c| c.is_ascii_hexdigit()) => {
            head
        }
        _ => stem,
    }
}
