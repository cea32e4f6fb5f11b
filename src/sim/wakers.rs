//! The tasks waiting for one moment of the run (its end, a stop), each
//! registered once.
//!
//! Every task the runtime spawns also waits for the end of the run, and a
//! future is polled again at each of its wake-ups. Pushing the waker on
//! every poll kept one waker per poll, each holding its task's memory,
//! until the run ended: a long run grew by about a kilobyte per event.
//! Here a waiter holds a [`Registration`] that keeps its one entry up to
//! date and removes it when dropped.
//!
//! Invariant: the waiters are woken in the order they first registered,
//! so the order the executor sees them in is a function of the seed.

use std::cell::{Cell, RefCell};
use std::task::Waker;

/// The waiters for one moment.
#[derive(Default)]
pub(crate) struct Wakers {
    next: Cell<u64>,
    // By registration number, ascending; a waiter that stopped waiting
    // leaves `None` until the next compaction. A vector rather than a map:
    // a registration is a push, and every task registers once.
    waiting: RefCell<Vec<(u64, Option<Waker>)>>,
    // How many entries of `waiting` are `None`.
    gone: Cell<usize>,
}

/// One waiter's place in a [`Wakers`]: its number, and where its entry was
/// last seen (a compaction may have moved it since); unregistered until
/// its first wait.
#[derive(Default)]
pub(crate) struct Registration(Option<(u64, usize)>);

impl Registration {
    /// Whether the place was ever registered (a wake-up since leaves it so).
    pub(crate) fn is_registered(&self) -> bool {
        self.0.is_some()
    }
}

impl Wakers {
    /// Registers (or refreshes) `place` to be woken through `waker`.
    pub(crate) fn register(&self, place: &mut Registration, waker: &Waker) {
        let mut waiting = self.waiting.borrow_mut();
        if let Some((id, hint)) = place.0 {
            if let Some(i) = find(&waiting, id, hint) {
                place.0 = Some((id, i));
                match &mut waiting[i].1 {
                    Some(kept) if kept.will_wake(waker) => {}
                    Some(kept) => kept.clone_from(waker),
                    None => unreachable!("invariant wakers: a registered place has its waker"),
                }
                return;
            }
            // Woken already: waits again under a new number.
        }
        let id = self.next.get();
        self.next.set(id + 1);
        waiting.push((id, Some(waker.clone())));
        place.0 = Some((id, waiting.len() - 1));
    }

    /// Whether `place` is registered with a waker that wakes the same task
    /// as `waker`.
    pub(crate) fn holds(&self, place: &Registration, waker: &Waker) -> bool {
        let Some((id, hint)) = place.0 else {
            return false;
        };
        let waiting = self.waiting.borrow();
        find(&waiting, id, hint)
            .and_then(|i| waiting[i].1.as_ref())
            .is_some_and(|kept| kept.will_wake(waker))
    }

    /// Forgets `place` (its waiter no longer waits).
    pub(crate) fn remove(&self, place: &mut Registration) {
        let Some((id, hint)) = place.0.take() else {
            return;
        };
        let mut waiting = self.waiting.borrow_mut();
        let Some(i) = find(&waiting, id, hint) else {
            return; // woken already
        };
        waiting[i].1 = None;
        let gone = self.gone.get() + 1;
        if gone * 2 > waiting.len() {
            waiting.retain(|(_, w)| w.is_some());
            self.gone.set(0);
        } else {
            self.gone.set(gone);
        }
    }

    /// Wakes every waiter, first registered first, and forgets them.
    pub(crate) fn wake_all(&self) {
        let waiting = std::mem::take(&mut *self.waiting.borrow_mut());
        self.gone.set(0);
        for waker in waiting.into_iter().filter_map(|(_, w)| w) {
            waker.wake();
        }
    }

    /// How many waiters are registered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.waiting.borrow().len() - self.gone.get()
    }
}

/// Where entry `id` is: at `hint` unless a compaction moved it.
fn find(waiting: &[(u64, Option<Waker>)], id: u64, hint: usize) -> Option<usize> {
    match waiting.get(hint) {
        Some((at, _)) if *at == id => Some(hint),
        _ => waiting.binary_search_by_key(&id, |(id, _)| *id).ok(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::Wake;

    use super::*;

    struct Counting(AtomicUsize);

    /// A waker that notes its number in a shared list when woken.
    struct Named(usize, Arc<std::sync::Mutex<Vec<usize>>>);

    impl Wake for Named {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().push(self.0);
        }
    }

    impl Wake for Counting {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_waiter_polled_many_times_is_registered_once() {
        let wakers = Wakers::default();
        let count = Arc::new(Counting(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut place = Registration::default();
        for _ in 0..100 {
            wakers.register(&mut place, &waker);
        }
        assert_eq!(wakers.len(), 1);
        wakers.wake_all();
        assert_eq!(count.0.load(Ordering::Relaxed), 1);
        assert_eq!(wakers.len(), 0);
    }

    #[test]
    fn a_place_holds_the_waker_it_registered_and_no_other() {
        let wakers = Wakers::default();
        let mine = Waker::from(Arc::new(Counting(AtomicUsize::new(0))));
        let other = Waker::from(Arc::new(Counting(AtomicUsize::new(0))));
        let mut place = Registration::default();
        assert!(!place.is_registered());
        assert!(!wakers.holds(&place, &mine));
        wakers.register(&mut place, &mine);
        assert!(place.is_registered());
        assert!(
            wakers.holds(&place, &mine.clone()),
            "a clone wakes the same task"
        );
        assert!(!wakers.holds(&place, &other));
        wakers.remove(&mut place);
        assert!(!wakers.holds(&place, &mine), "removed, it holds nothing");
    }

    #[test]
    fn a_dropped_waiter_is_not_woken_and_a_woken_one_can_wait_again() {
        let wakers = Wakers::default();
        let gone = Arc::new(Counting(AtomicUsize::new(0)));
        let stays = Arc::new(Counting(AtomicUsize::new(0)));
        let (mut a, mut b) = (Registration::default(), Registration::default());
        wakers.register(&mut a, &Waker::from(gone.clone()));
        wakers.register(&mut b, &Waker::from(stays.clone()));
        wakers.remove(&mut a);
        wakers.wake_all();
        assert_eq!(gone.0.load(Ordering::Relaxed), 0);
        assert_eq!(stays.0.load(Ordering::Relaxed), 1);
        wakers.register(&mut b, &Waker::from(stays.clone()));
        assert_eq!(wakers.len(), 1, "registered again after the wake");
    }

    #[test]
    fn waiters_wake_in_the_order_they_first_registered() {
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let wakers = Wakers::default();
        let mut places: Vec<Registration> = (0..3).map(|_| Registration::default()).collect();
        let named: Vec<Waker> = (0..3)
            .map(|i| Waker::from(Arc::new(Named(i, order.clone()))))
            .collect();
        for i in [2, 0, 1, 0, 2] {
            wakers.register(&mut places[i], &named[i]);
        }
        wakers.wake_all();
        assert_eq!(*order.lock().unwrap(), vec![2, 0, 1]);
    }

    #[test]
    fn compaction_keeps_the_order_and_the_places() {
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let wakers = Wakers::default();
        let named: Vec<Waker> = (0..8)
            .map(|i| Waker::from(Arc::new(Named(i, order.clone()))))
            .collect();
        let mut places: Vec<Registration> = (0..8).map(|_| Registration::default()).collect();
        for (place, waker) in places.iter_mut().zip(&named) {
            wakers.register(place, waker);
        }
        // Most leave, which compacts; those left refresh their places.
        for i in [0, 1, 3, 4, 6] {
            wakers.remove(&mut places[i]);
        }
        for i in [7, 2, 5] {
            wakers.register(&mut places[i], &named[i]);
        }
        assert_eq!(wakers.len(), 3);
        wakers.wake_all();
        assert_eq!(*order.lock().unwrap(), vec![2, 5, 7]);
    }
}
