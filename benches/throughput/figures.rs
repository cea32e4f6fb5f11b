//! Repetitions and what is printed of them.
//!
//! A figure is the median of its repetitions; a ratio is the median of the
//! per-repetition ratios of two runs made back to back, so both sides of a
//! ratio share the same stretch of machine noise. Each figure's spread
//! (min–max over its repetitions) goes to stderr, so a reader can tell a
//! stable figure from a lucky one.

/// Repetitions of every wall-clock measurement.
pub const REPEATS: usize = 5;

/// The median of `values` (the upper one of an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).expect("no NaN figures"));
    sorted[sorted.len() / 2]
}

/// The median of one figure's repetitions; prints their spread on stderr.
pub fn figure(name: &str, values: &[f64]) -> f64 {
    let middle = median(values);
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let width = if middle == 0.0 {
        0.0
    } else {
        100.0 * (max - min) / middle
    };
    eprintln!(
        "spread {name}: median {middle:.3}, min {min:.3}, max {max:.3} ({width:.0}% of the median, {} repetitions)",
        values.len()
    );
    middle
}

/// Each named figure's median, its spread printed as by [`figure`].
pub fn medians(named: Vec<(&'static str, Vec<f64>)>) -> Vec<(&'static str, f64)> {
    named
        .into_iter()
        .map(|(name, values)| (name, figure(name, &values)))
        .collect()
}

/// `numerator[i] / denominator[i]` for each repetition.
pub fn ratios(numerator: &[f64], denominator: &[f64]) -> Vec<f64> {
    numerator
        .iter()
        .zip(denominator)
        .map(|(n, d)| n / d)
        .collect()
}

/// Runs both sides of a ratio back to back: `a` first on even
/// repetitions, `b` first on odd ones, so neither always meets the machine
/// first. Returns (what `a` gave, what `b` gave).
pub fn back_to_back<A, B>(rep: usize, a: impl FnOnce() -> A, b: impl FnOnce() -> B) -> (A, B) {
    if rep % 2 == 0 {
        let first = a();
        (first, b())
    } else {
        let first = b();
        (a(), first)
    }
}

/// Operations per wall second.
pub fn per_s(n: u64, wall: std::time::Duration) -> f64 {
    n as f64 / wall.as_secs_f64().max(1e-9)
}

/// The stderr of this bench run again in a child process with
/// `THROUGHPUT_PROFILE=<profile>`, for a figure that needs a process of
/// its own; `None` if no child could run or it failed.
pub fn child_stderr(profile: &str) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .env("THROUGHPUT_PROFILE", profile)
        .env_remove("THROUGHPUT_PROFILE_N")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "the {profile} run in a child process failed ({})",
            out.status
        );
        return None;
    }
    Some(String::from_utf8_lossy(&out.stderr).into_owned())
}
