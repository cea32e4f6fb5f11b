//! Splitting one sweep over several machines or CI jobs.

use std::fmt;
use std::str::FromStr;

/// One part of a sweep split `count` ways: shard `index` (from 1) runs the
/// sweep's seed indices `i` with `i % count == index - 1`. Together the
/// shards `1/N … N/N` run every seed of the sweep exactly once.
///
/// ```
/// use dosim::Shard;
/// let shard: Shard = "2/3".parse().unwrap();
/// let mine: Vec<u64> = (0..10).filter(|i| shard.contains(*i)).collect();
/// assert_eq!(mine, [1, 4, 7]);
/// assert!("3/2".parse::<Shard>().is_err());
/// assert!("0/2".parse::<Shard>().is_err());
/// assert!("1/0".parse::<Shard>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// Shard `index` of `count` (`1 <= index <= count`).
    pub fn new(index: u64, count: u64) -> Result<Shard, String> {
        if count == 0 {
            return Err(format!(
                "invalid shard `{index}/{count}`: the number of shards must be at least 1"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "invalid shard `{index}/{count}`: the shard number counts from 1 to {count}"
            ));
        }
        Ok(Shard { index, count })
    }

    /// The whole sweep, unsplit (`1/1`).
    pub fn whole() -> Shard {
        Shard { index: 1, count: 1 }
    }

    /// The sweep's index of this shard's `k`-th seed (both from 0).
    pub(crate) fn nth_index(&self, k: u64) -> u64 {
        k.saturating_mul(self.count).saturating_add(self.index - 1)
    }

    /// Whether this shard runs the sweep's `i`-th seed (from 0).
    pub fn contains(&self, i: u64) -> bool {
        i % self.count == self.index - 1
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("invalid shard `{s}`: expected I/N, shard I of N, like 1/4");
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse::<u64>().map_err(|_| bad())?;
        let n = n.trim().parse::<u64>().map_err(|_| bad())?;
        Shard::new(i, n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_shards_name_the_problem() {
        let err = |s: &str| s.parse::<Shard>().unwrap_err();
        assert!(err("3/2").contains("counts from 1 to 2"), "{}", err("3/2"));
        assert!(err("0/2").contains("counts from 1 to 2"));
        assert!(err("1/0").contains("at least 1"));
        assert!(err("x/2").contains("expected I/N"));
        assert!(err("2").contains("expected I/N"));
        assert_eq!("1/1".parse::<Shard>().unwrap(), Shard::whole());
    }

    #[test]
    fn a_shards_nth_seed_is_the_nth_it_contains() {
        let shard = Shard::new(3, 4).unwrap();
        let mine: Vec<u64> = (0..40).filter(|i| shard.contains(*i)).collect();
        let nth: Vec<u64> = (0..10).map(|k| shard.nth_index(k)).collect();
        assert_eq!(mine, nth);
    }

    #[test]
    fn the_shards_of_a_sweep_cover_it_once() {
        for n in 1..6 {
            for i in 0..40 {
                let owners = (1..=n)
                    .filter(|k| Shard::new(*k, n).unwrap().contains(i))
                    .count();
                assert_eq!(owners, 1, "seed index {i} of a {n}-way split");
            }
        }
    }
}
