//! The progress bar a sweep shows on a terminal (never when stderr is piped,
//! so logs and CI output stay clean). Display only: it reads the wall clock
//! for its rate, which never reaches a run.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar over a sweep's seeds, or nothing.
pub(crate) struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar over `total` seeds if `wanted` and stderr is a terminal.
    pub(crate) fn new(total: u64, wanted: bool) -> Progress {
        if !wanted || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let bar = ProgressBar::new(total);
        let style = ProgressStyle::with_template(
            "{bar:40.cyan/blue} {pos}/{len} seeds  {per_sec}  eta {eta}  {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Progress(Some(bar))
    }

    /// One more seed done; `failed` so far.
    pub(crate) fn inc(&self, failed: usize) {
        if let Some(bar) = &self.0 {
            if failed > 0 {
                bar.set_message(format!("{failed} failed"));
            }
            bar.inc(1);
        }
    }

    /// Prints `text` to stderr without tearing the bar.
    pub(crate) fn eprint(&self, text: &str) {
        match &self.0 {
            Some(bar) => bar.suspend(|| eprint!("{text}")),
            None => eprint!("{text}"),
        }
    }

    /// Removes the bar.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
