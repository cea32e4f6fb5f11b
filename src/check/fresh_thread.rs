//! A fresh thread for each run, on a stack its worker keeps.
//!
//! Why a fresh thread: std gives each thread its `HashMap` keys once, when
//! the thread builds its first map, and madsim can seed them only on a
//! thread that has not built one yet. A run on a fresh thread therefore
//! iterates its maps (and a user's object iterates its own) in an order its
//! seed decides, whatever ran before it.
//!
//! Why not `std::thread`: when a std thread ends, glibc hands its stack's
//! pages back to the kernel (`madvise`), and std unmaps the signal stack it
//! made for it. With two workers each of those interrupts the other core to
//! flush its address cache, and the next run faults its stack in again. On
//! the counter example's sub-millisecond seeds that was about a tenth of a
//! two-worker sweep's time. glibc leaves a stack the caller supplies alone,
//! so here each worker maps one stack, lends it to its runs one after the
//! other, and unmaps it when the worker ends.
//!
//! Invariant: a stack serves one thread at a time. The worker takes it out
//! of its slot before starting a thread on it and puts it back only after
//! joining that thread.
//!
//! One difference from `std::thread`: std's stack-overflow message knows
//! only the threads std made, so a run that overflows its stack ends the
//! process with SIGSEGV instead of "has overflowed its stack". Either way
//! the process ends; the guard page below the stack still stops the run
//! from writing past it.

/// What a run's thread ended with: its value, or the payload of a panic
/// that escaped it (as `JoinHandle::join` returns).
type Ended<T> = std::thread::Result<T>;

/// Runs `f` on a fresh OS thread named `name` and waits for it to end, as
/// dosim runs each seed: a thread that has built no `HashMap` yet (so
/// madsim can seed its keys), on a stack the calling thread keeps for its
/// next call. For a harness that runs madsim itself and wants to pay what
/// a dosim sweep pays per seed.
///
/// The outer error is the system refusing the thread; the inner one is a
/// panic that escaped `f`, as [`std::thread::JoinHandle::join`] gives it.
///
/// ```
/// let seed = 7;
/// let value = dosim::run_on_fresh_thread("my-run", || {
///     let rt = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
///     rt.block_on(async { 40 + 2 })
/// });
/// assert_eq!(value.unwrap().unwrap(), 42);
/// ```
pub fn run_on_fresh_thread<T: Send>(
    name: &str,
    f: impl FnOnce() -> T + Send,
) -> std::io::Result<std::thread::Result<T>> {
    imp::run(name, f)
}

#[cfg(target_os = "linux")]
mod imp {
    use std::cell::Cell;
    use std::ffi::{c_void, CString};
    use std::io;
    use std::panic::{catch_unwind, AssertUnwindSafe};
    use std::ptr::{null_mut, NonNull};
    use std::sync::OnceLock;

    use super::Ended;

    thread_local! {
        /// This worker's stack, between its runs.
        static SPARE: Cell<Option<Stack>> = const { Cell::new(None) };
    }

    /// One mapping: a guard page, then the stack above it.
    struct Stack {
        base: NonNull<c_void>,
        len: usize,
        guard: usize,
    }

    impl Stack {
        fn map(usable: usize) -> io::Result<Stack> {
            let guard = page_size();
            let len = usable + guard;
            // SAFETY: a fresh anonymous mapping; nothing else refers to it.
            let base = unsafe {
                libc::mmap(
                    null_mut(),
                    len,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_STACK,
                    -1,
                    0,
                )
            };
            if base == libc::MAP_FAILED {
                return Err(io::Error::last_os_error());
            }
            let stack = Stack {
                base: NonNull::new(base).expect("mmap returned null without failing"),
                len,
                guard,
            };
            // SAFETY: the first page of the mapping just made.
            if unsafe { libc::mprotect(base, guard, libc::PROT_NONE) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(stack)
        }

        /// Where a thread's stack starts (its lowest address) and its size.
        fn usable(&self) -> (*mut c_void, usize) {
            // SAFETY: `guard < len`, so this stays inside the mapping.
            let low = unsafe { self.base.as_ptr().cast::<u8>().add(self.guard) };
            (low.cast(), self.len - self.guard)
        }
    }

    impl Drop for Stack {
        fn drop(&mut self) {
            // SAFETY: the mapping made in `map`; by the module's invariant
            // no thread runs on it (it is only dropped out of its slot).
            unsafe { libc::munmap(self.base.as_ptr(), self.len) };
        }
    }

    fn page_size() -> usize {
        // SAFETY: sysconf has no preconditions.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size).unwrap_or(4096)
    }

    /// The stack a run gets: what std would give a thread (`RUST_MIN_STACK`,
    /// else 2 MiB), rounded up to whole pages.
    fn stack_size() -> usize {
        static SIZE: OnceLock<usize> = OnceLock::new();
        *SIZE.get_or_init(|| {
            let asked = std::env::var("RUST_MIN_STACK")
                .ok()
                .and_then(|s| s.trim().parse::<usize>().ok())
                .unwrap_or(2 << 20);
            let page = page_size();
            asked
                .max(libc::PTHREAD_STACK_MIN + 64 * 1024)
                .div_ceil(page)
                * page
        })
    }

    /// The work handed to the new thread; it catches its own panics, so
    /// nothing unwinds out of `start`.
    type Job<'a> = Box<dyn FnOnce() + Send + 'a>;

    extern "C" fn start(job: *mut c_void) -> *mut c_void {
        // SAFETY: `job` is the `Box<Job>` that `run` leaked for exactly this
        // thread; nothing else reads it.
        let job = unsafe { Box::from_raw(job.cast::<Job<'static>>()) };
        job();
        null_mut()
    }

    pub(super) fn run<T: Send>(name: &str, f: impl FnOnce() -> T + Send) -> io::Result<Ended<T>> {
        let stack = match SPARE.take() {
            Some(stack) => stack,
            None => Stack::map(stack_size())?,
        };
        // Linux keeps 15 bytes of a thread's name.
        let name: Vec<u8> = name.bytes().filter(|&b| b != 0).take(15).collect();
        let name = CString::new(name).expect("nul bytes were filtered out");
        let mut ended: Option<Ended<T>> = None;
        let slot = &mut ended;
        let job: Job<'_> = Box::new(move || {
            // SAFETY: a nul-terminated name for the calling thread.
            unsafe { libc::pthread_setname_np(libc::pthread_self(), name.as_ptr()) };
            *slot = Some(catch_unwind(AssertUnwindSafe(f)));
        });
        // SAFETY: only the lifetime changes. The thread is joined below,
        // before anything the job borrows (`ended`, `f`'s captures) ends.
        let job: Job<'static> = unsafe { std::mem::transmute::<Job<'_>, Job<'static>>(job) };
        let job = Box::into_raw(Box::new(job));
        let (low, size) = stack.usable();
        // SAFETY: `attr` is initialised before use and destroyed after; the
        // stack is ours alone until the join (the module's invariant).
        let thread = unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            let mut rc = libc::pthread_attr_init(&mut attr);
            if rc == 0 {
                rc = libc::pthread_attr_setstack(&mut attr, low, size);
            }
            let mut thread: libc::pthread_t = 0;
            if rc == 0 {
                rc = libc::pthread_create(&mut thread, &attr, start, job.cast());
            }
            libc::pthread_attr_destroy(&mut attr);
            if rc != 0 {
                // No thread took the job: it is still ours to free.
                drop(Box::from_raw(job));
                SPARE.set(Some(stack));
                return Err(io::Error::from_raw_os_error(rc));
            }
            thread
        };
        // SAFETY: a thread made above, joined once.
        let rc = unsafe { libc::pthread_join(thread, null_mut()) };
        assert_eq!(
            rc, 0,
            "invariant joined: a run's thread is joined exactly once"
        );
        SPARE.set(Some(stack));
        Ok(ended.expect("invariant ran: a run's thread runs its job before it ends"))
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::Ended;

    pub(super) fn run<T: Send>(
        name: &str,
        f: impl FnOnce() -> T + Send,
    ) -> std::io::Result<Ended<T>> {
        std::thread::scope(|scope| {
            let thread = std::thread::Builder::new()
                .name(name.to_string())
                .spawn_scoped(scope, f)?;
            Ok(thread.join())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_returns_its_value_and_borrows_from_its_caller() {
        let words = ["a".to_string(), "b".to_string()];
        for i in 0..3 {
            let joined =
                run_on_fresh_thread("fresh-test", || format!("{}{i}", words.concat())).unwrap();
            assert_eq!(joined.unwrap(), format!("ab{i}"));
        }
    }

    #[test]
    fn a_panic_comes_back_as_its_payload() {
        let ended = run_on_fresh_thread("fresh-panic", || -> u32 { panic!("on purpose") }).unwrap();
        let payload = ended.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"on purpose"));
        // The worker's stack is still good for the next run.
        assert_eq!(
            run_on_fresh_thread("fresh-after", || 7).unwrap().unwrap(),
            7
        );
    }

    #[test]
    fn each_run_is_a_new_thread_with_its_own_thread_locals() {
        thread_local! {
            static TOUCHED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        for _ in 0..3 {
            let was = run_on_fresh_thread("fresh-tls", || TOUCHED.with(|t| t.replace(true)))
                .unwrap()
                .unwrap();
            assert!(
                !was,
                "a thread-local set by an earlier run leaked into this one"
            );
        }
        let outer = std::thread::current().id();
        let inner = run_on_fresh_thread("fresh-id", || std::thread::current().id())
            .unwrap()
            .unwrap();
        assert_ne!(outer, inner);
    }

    #[test]
    fn runs_nest() {
        let n = run_on_fresh_thread("fresh-outer", || {
            run_on_fresh_thread("fresh-inner", || 5).unwrap().unwrap() + 1
        });
        assert_eq!(n.unwrap().unwrap(), 6);
    }
}
