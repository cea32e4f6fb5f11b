//! Seeds and the random streams derived from them.
//!
//! A run has exactly one source of randomness: its [`Seed`]. Everything random
//! in a run (madsim's scheduler, network latencies, the runtime's choices,
//! `new_unique_id`, the objects' own random numbers) is drawn from ChaCha
//! streams keyed by that seed. Each concern gets its own stream, so that a
//! change in how one concern draws (say, a new fault kind in the run's
//! configuration) does not reshuffle the numbers every other concern sees.

use std::fmt;
use std::str::FromStr;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The seed of one simulated run: the run is a pure function of it.
///
/// Seeds print as `0x`-prefixed hex and parse from hex or decimal.
///
/// ```
/// use dosim::Seed;
/// let seed: Seed = "0x5eed1234".parse().unwrap();
/// assert_eq!(seed, Seed(0x5eed_1234));
/// assert_eq!(seed.to_string(), "0x5eed1234");
/// assert_eq!("42".parse::<Seed>().unwrap(), Seed(42));
/// assert!("0xnope".parse::<Seed>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Seed(pub u64);

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// Why a seed given on the command line or in `DOSIM_SEED` was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedParseError {
    input: String,
}

impl fmt::Display for SeedParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid seed `{}`: expected a decimal number or 0x-prefixed hex, at most 64 bits (e.g. 42 or 0x5eed1234)",
            self.input
        )
    }
}

impl std::error::Error for SeedParseError {}

impl FromStr for Seed {
    type Err = SeedParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim().replace('_', "");
        let parsed = match trimmed
            .strip_prefix("0x")
            .or_else(|| trimmed.strip_prefix("0X"))
        {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => trimmed.parse::<u64>(),
        };
        parsed.map(Seed).map_err(|_| SeedParseError {
            input: s.to_string(),
        })
    }
}

/// The independent random streams of one run. Stream numbers are part of the
/// replay contract: changing one changes what every saved seed means.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Stream {
    /// The run's configuration (which faults, the workload's shape).
    Config = 1,
    /// Seeds madsim's own generator (task scheduling, its time jitter).
    Madsim = 2,
    /// The runtime's choices during the run (latencies, placement, ids).
    Run = 3,
    /// Random numbers handed to user objects and test bodies.
    User = 4,
    /// The queues' choices (delivery order, duplicates, their faults), so a
    /// run that binds no queue draws exactly what it drew before queues.
    Queue = 5,
    /// Idle windows: how long an idle instance lives before the runtime
    /// evicts it with no fault. A stream of its own, so drawing windows
    /// leaves every other choice of a seed as it was.
    Idle = 16,
    /// Swarm mode's rates for the faults platform services inject.
    ServiceFaults = 0x5346,
    /// A KV namespace's own choices (cache lifetimes, its faults).
    KvNamespace = 0x4b56,
    /// Swarm mode's draw of the service fault kinds.
    ServiceConfig = 9,
    /// Calls to services: their latencies and faults.
    Services = 10,
    /// The bucket service's choices (its latencies, versions, faults, and
    /// in swarm mode which of its fault kinds are on): its own stream, so a
    /// run without a bucket draws exactly what it drew before buckets were.
    Bucket = 11,
    /// Fault decisions: when random faults come, which kind, and what they
    /// hit. A stream of their own, so that removing a fault, or replaying
    /// the faults a run applied as a schedule, leaves every other choice
    /// of the run (latencies, inbox order, placement) as it was.
    Faults = 17,
    /// Which messages random loss drops: drawn only while loss is on, so a
    /// plan without loss draws nothing here.
    Loss = 18,
    /// Which `buggify()` points fire: apart from the objects' own random
    /// numbers, which stay the same with buggify on or off.
    Buggify = 19,
    /// Swarm mode's choice of calm seeds, which run with no faults at all.
    Calm = 20,
}

impl Seed {
    /// The `index`-th seed of a sweep: spread over the 64-bit space so that
    /// neighbouring sweeps do not share structure.
    pub fn nth(index: u64) -> Seed {
        Seed(splitmix64(index))
    }

    /// A ChaCha generator for one stream of this seed.
    pub(crate) fn rng(self, stream: Stream) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.0);
        rng.set_stream(stream as u64);
        rng
    }

    /// A generator for one stream of this seed, of its own for each `name`
    /// (each queue draws from its own, whatever the others draw).
    pub(crate) fn rng_named(self, stream: Stream, name: &str) -> ChaCha8Rng {
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        let mut rng = ChaCha8Rng::seed_from_u64(splitmix64(self.0 ^ hash));
        rng.set_stream(stream as u64);
        rng
    }

    /// A ChaCha generator for the `n`-th user of `stream` (the `n`-th KV
    /// namespace bound in a run, …): streams of their own, so one user's
    /// draws never shift another's.
    pub(crate) fn rng_nth(self, stream: Stream, n: u32) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.0);
        rng.set_stream(stream as u64 | (u64::from(n) << 32));
        rng
    }

    /// The seed handed to madsim's runtime, derived from this one.
    pub(crate) fn madsim_seed(self) -> u64 {
        self.rng(Stream::Madsim).next_u64()
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_of_one_seed_differ_and_repeat() {
        let s = Seed(7);
        let a = s.rng(Stream::Run).next_u64();
        let b = s.rng(Stream::Config).next_u64();
        assert_ne!(a, b);
        assert_eq!(a, s.rng(Stream::Run).next_u64());
    }

    #[test]
    fn bad_seeds_name_the_input() {
        let err = "12abc".parse::<Seed>().unwrap_err();
        assert!(err.to_string().contains("`12abc`"), "{err}");
        assert!("0x1_0000_0000_0000_0000".parse::<Seed>().is_err());
        assert!("".parse::<Seed>().is_err());
        assert!("-1".parse::<Seed>().is_err());
    }
}
