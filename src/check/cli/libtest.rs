//! The options `cargo test` passes to every test binary, taken and set
//! aside when the command line runs as a `[[test]]` target with
//! `harness = false`.
//!
//! `cargo test <filter>` and `cargo test -- --nocapture` hand their filter
//! and flags to each test binary of the crate, this one included. Refusing
//! them would break those commands for the whole crate, so a filter that
//! does not match the sweep skips it (exit 0, nothing printed), `--list`
//! lists it as one test, and the other flags are dropped. dosim's own
//! subcommands and options pass through untouched.

use std::ffi::OsString;

/// What the test harness's options ask of this binary.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Harness {
    /// Run the command line with these arguments (the harness's removed).
    Run(Vec<OsString>),
    /// Print this listing and exit with success (`--list`).
    List(String),
    /// Do nothing and exit with success: a filter names other tests.
    Skip,
}

/// The harness's flags that take no value.
const FLAGS: &[&str] = &[
    "--nocapture",
    "--no-capture",
    "--exact",
    "--ignored",
    "--include-ignored",
    "--show-output",
    "-q",
    "--quiet",
    "--list",
    "--test",
    "--bench",
    "--report-time",
    "--ensure-time",
    "--shuffle",
    "--force-run-in-process",
    "--fail-fast",
];

/// The harness's options that take a value (`--format terse` or
/// `--format=terse`).
const OPTIONS: &[&str] = &[
    "--test-threads",
    "--format",
    "--color",
    "--skip",
    "--logfile",
    "--shuffle-seed",
    "-Z",
];

/// The command line's subcommands: a first word among them is dosim's.
const SUBCOMMANDS: &[&str] = &["run", "replay", "shrink", "save", "view", "help"];

/// Sorts `args` (the program's name first) into the harness's options and
/// dosim's; `names` are the names a filter may match (the runner's and the
/// target's).
pub(crate) fn sort(args: Vec<OsString>, names: &[&str]) -> Harness {
    let mut rest = Vec::with_capacity(args.len());
    let (mut filters, mut skips) = (Vec::new(), Vec::new());
    let (mut exact, mut list, mut ignored_only) = (false, false, false);
    let mut dosim_words = false;
    let mut iter = args.into_iter();
    rest.extend(iter.next());
    while let Some(arg) = iter.next() {
        let text = arg.to_string_lossy().into_owned();
        if dosim_words {
            rest.push(arg);
            continue;
        }
        let (key, inline) = match text.split_once('=') {
            Some((k, v)) if k.starts_with('-') => (k.to_string(), Some(v.to_string())),
            _ => (text.clone(), None),
        };
        if FLAGS.contains(&key.as_str()) {
            exact |= key == "--exact";
            list |= key == "--list";
            ignored_only |= key == "--ignored";
        } else if OPTIONS.contains(&key.as_str()) {
            let value = inline.or_else(|| iter.next().map(|v| v.to_string_lossy().into_owned()));
            if key == "--skip" {
                skips.extend(value);
            }
        } else if !text.starts_with('-') && rest.len() == 1 && !SUBCOMMANDS.contains(&&*text) {
            filters.push(text);
        } else {
            // A subcommand or an option of dosim's: the rest is dosim's.
            dosim_words = !text.starts_with('-');
            rest.push(arg);
        }
    }
    let matches = |pattern: &String| {
        names.iter().any(|n| {
            if exact {
                n == pattern
            } else {
                n.contains(pattern.as_str())
            }
        })
    };
    let selected = (filters.is_empty() || filters.iter().any(matches))
        && !skips
            .iter()
            .any(|s| names.iter().any(|n| n.contains(s.as_str())))
        && !ignored_only;
    if list {
        let name = names.first().copied().unwrap_or("dosim");
        return Harness::List(if selected {
            format!("{name}: test\n")
        } else {
            String::new()
        });
    }
    if selected {
        Harness::Run(rest)
    } else {
        Harness::Skip
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(args: &[&str]) -> Harness {
        let args = std::iter::once("prog")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect();
        sort(args, &["counter_sweep", "counter_target"])
    }

    fn run(args: &[&str]) -> Harness {
        Harness::Run(
            std::iter::once("prog")
                .chain(args.iter().copied())
                .map(OsString::from)
                .collect(),
        )
    }

    #[test]
    fn the_harness_flags_are_dropped() {
        assert_eq!(sorted(&[]), run(&[]));
        assert_eq!(sorted(&["--nocapture"]), run(&[]));
        assert_eq!(
            sorted(&[
                "-q",
                "--test-threads",
                "2",
                "--format=pretty",
                "--color",
                "never"
            ]),
            run(&[])
        );
    }

    #[test]
    fn a_filter_runs_the_sweep_only_if_it_matches() {
        assert_eq!(sorted(&["counter"]), run(&[]));
        assert_eq!(sorted(&["counter_target", "--exact"]), run(&[]));
        assert_eq!(sorted(&["counter", "--exact"]), Harness::Skip);
        assert_eq!(sorted(&["some_other_test"]), Harness::Skip);
        assert_eq!(sorted(&["--skip", "sweep"]), Harness::Skip);
        assert_eq!(sorted(&["--ignored"]), Harness::Skip);
    }

    #[test]
    fn list_names_the_sweep_as_one_test() {
        assert_eq!(
            sorted(&["--list", "--format", "terse"]),
            Harness::List("counter_sweep: test\n".into())
        );
        assert_eq!(
            sorted(&["--list", "--ignored"]),
            Harness::List(String::new())
        );
    }

    #[test]
    fn dosim_subcommands_and_options_pass_through() {
        assert_eq!(
            sorted(&["replay", "0x5eed", "--faults", "none"]),
            run(&["replay", "0x5eed", "--faults", "none"])
        );
        assert_eq!(
            sorted(&["--nocapture", "--seeds", "5"]),
            run(&["--seeds", "5"])
        );
        assert_eq!(sorted(&["run", "--exact"]), run(&["run", "--exact"]));
    }
}
