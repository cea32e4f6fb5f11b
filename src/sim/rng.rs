//! The run's own random stream, as the run draws from it.
//!
//! It lives beside the seed it comes from, below everything that draws from
//! it (the network's latencies, the runtime's placement and ids, the
//! objects' random numbers): a [`RunRng`] is a ChaCha stream of the run's
//! seed, and the order of draws is the order the run asks, so the same seed
//! gives the same numbers in the same places.

use std::cell::RefCell;
use std::time::Duration;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::world_config::Latency;

/// The run's own random choices (latencies, placement, ids): one ChaCha
/// stream, drawn from in the order the run asks.
pub(crate) struct RunRng(RefCell<ChaCha8Rng>);

impl RunRng {
    pub(crate) fn new(rng: ChaCha8Rng) -> RunRng {
        RunRng(RefCell::new(rng))
    }

    /// A duration drawn uniformly from `latency`.
    pub(crate) fn latency(&self, latency: Latency) -> Duration {
        let us = if latency.max_us <= latency.min_us {
            latency.min_us
        } else {
            self.0
                .borrow_mut()
                .gen_range(latency.min_us..=latency.max_us)
        };
        Duration::from_micros(us)
    }

    /// True with probability `percent`/100 (fractional percents allowed).
    #[inline]
    pub(crate) fn chance(&self, percent: f64) -> bool {
        percent > 0.0 && self.0.borrow_mut().gen_range(0.0..100.0) < percent
    }

    /// A number in `0..n` (n > 0).
    pub(crate) fn below(&self, n: usize) -> usize {
        debug_assert!(
            n > 0,
            "invariant rng-below-positive: below(0) has no answer"
        );
        self.0.borrow_mut().gen_range(0..n)
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance_percent(&self, percent: u8) -> bool {
        percent > 0 && self.0.borrow_mut().gen_range(0..100u8) < percent
    }

    /// Random bytes (for unique ids).
    pub(crate) fn fill(&self, bytes: &mut [u8]) {
        self.0.borrow_mut().fill(bytes);
    }
}
