//! Keeping each worker of a sweep on a core of its own.
//!
//! Every seed runs on a fresh thread (see `fresh_thread`): the worker
//! creates it, then sleeps until it ends. When every core is busy, Linux
//! places a new thread, and wakes a sleeping worker, on whichever core
//! looks idlest at that instant, which is often the one another worker's
//! run is using; that run is preempted, and one of the two moves back a
//! little later with a cold cache. On the counter example's
//! sub-millisecond seeds with two workers on two cores this cost about a
//! sixth of the sweep (3 000 seeds: 0.47–0.55 s against 0.41 s pinned;
//! involuntary context switches 540–870 against 74–95).
//!
//! So when a sweep has exactly one worker per core it may use, worker `w`
//! is pinned to the `w`-th of those cores, and its runs' threads inherit
//! that. Workers take seeds from one shared counter, so a worker whose
//! core is also busy with something else simply runs fewer seeds. With
//! fewer workers than cores nothing is pinned: there are idle cores for the
//! kernel to choose, and two sweeps side by side on a large machine would
//! otherwise crowd onto its first cores. Where a core can be used changes
//! nothing a run does, only how fast it goes.

/// The cores worker `w` should be pinned to, `cores[w]`, if a sweep with
/// `jobs` workers uses every core this process may run on; `None` when
/// pinning is not worth it or not possible here.
pub(crate) fn one_each(jobs: usize) -> Option<Vec<usize>> {
    let cores = imp::allowed()?;
    (jobs > 1 && cores.len() == jobs).then_some(cores)
}

/// Pins the calling thread to `core`. Failing to is harmless (the thread
/// runs wherever the kernel puts it), so no error is returned.
pub(crate) fn pin_here(core: usize) {
    imp::pin(core);
}

/// The cores the calling thread may run on, in increasing order (empty
/// where that cannot be known).
#[cfg(test)]
pub(crate) fn allowed_here() -> Vec<usize> {
    imp::allowed().unwrap_or_default()
}

#[cfg(target_os = "linux")]
mod imp {
    use std::mem::{size_of, zeroed};

    /// The cores this thread may run on, in increasing order.
    pub(super) fn allowed() -> Option<Vec<usize>> {
        // SAFETY: `set` is a plain bit set the call fills in.
        let set = unsafe {
            let mut set: libc::cpu_set_t = zeroed();
            if libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) != 0 {
                return None;
            }
            set
        };
        // SAFETY: every index is below the set's size in bits.
        Some(
            (0..libc::CPU_SETSIZE as usize)
                .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
                .collect(),
        )
    }

    pub(super) fn pin(core: usize) {
        if core >= libc::CPU_SETSIZE as usize {
            return;
        }
        // SAFETY: `set` is a plain bit set and `core` is inside it; the
        // call only changes where the calling thread may run.
        unsafe {
            let mut set: libc::cpu_set_t = zeroed();
            libc::CPU_SET(core, &mut set);
            libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) fn allowed() -> Option<Vec<usize>> {
        None
    }

    pub(super) fn pin(_core: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_worker_or_more_workers_than_cores_pins_nothing() {
        assert_eq!(one_each(1), None);
        assert_eq!(one_each(100_000), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_worker_per_core_gets_each_core_once() {
        let cores = imp::allowed().expect("Linux reports a thread's cores");
        assert!(!cores.is_empty());
        if cores.len() > 1 {
            assert_eq!(one_each(cores.len()), Some(cores.clone()));
            assert_eq!(one_each(cores.len() - 1), None);
        }
        // Pinning a throwaway thread leaves this one as it was.
        let last = *cores.last().unwrap();
        let pinned = std::thread::spawn(move || {
            pin_here(last);
            imp::allowed()
        })
        .join()
        .unwrap();
        assert_eq!(pinned, Some(vec![last]));
        assert_eq!(imp::allowed(), Some(cores));
    }
}
