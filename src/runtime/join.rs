//! `JoinHandle`: waiting for a task the test spawned, its fate a dosim
//! error.
//!
//! A workload spawns one task per client and joins them all before it
//! checks its properties. A task that did not finish — aborted, or
//! panicked — leaves those properties unknowable, so joining it yields an
//! [`Error`] that names the task's spawner and what happened, and `?`
//! carries it into the run's failure like any other error of the body.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::error::{Error, Result};

/// A task spawned by [`Sim::spawn`](crate::Sim::spawn) or
/// [`Client::spawn`](crate::Client::spawn). Awaiting it yields the task's
/// output, or an [`Error`] if the task was aborted or panicked. Dropping it
/// leaves the task running.
///
/// ```
/// use std::time::Duration;
///
/// let report = dosim::Runner::new("doc_join").seeds(1).run(|sim: dosim::Sim| async move {
///     let done = sim.spawn(async { 7 });
///     assert_eq!(done.await?, 7);
///
///     let stuck = sim.client(0).spawn(dosim::sleep(Duration::from_secs(3600)));
///     stuck.abort();
///     let err = stuck.await.expect_err("an aborted task has no output");
///     assert!(err.message().contains("was cancelled"), "{err}");
///     Ok(())
/// });
/// assert!(report.passed(), "{:?}", report.failures);
/// ```
#[must_use = "a spawned task's failure shows only when it is awaited"]
pub struct JoinHandle<T> {
    inner: madsim::task::JoinHandle<T>,
    /// Who spawned it (`the test body`, `client-1`), for the error.
    spawner: String,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(inner: madsim::task::JoinHandle<T>, spawner: impl Into<String>) -> Self {
        JoinHandle {
            inner,
            spawner: spawner.into(),
        }
    }

    /// Stops the task at its next await; awaiting the handle then yields an
    /// error.
    pub fn abort(&self) {
        self.inner.abort();
    }

    /// Whether the task has finished (returned, been aborted or panicked).
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JoinHandle(spawned by {})", self.spawner)
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = &mut *self;
        Pin::new(&mut this.inner).poll(cx).map(|joined| {
            joined.map_err(|e| {
                let what = if e.is_panic() {
                    "panicked"
                } else {
                    "was cancelled"
                };
                Error::new(format!(
                    "a task spawned by {} {what} before it finished",
                    this.spawner
                ))
            })
        })
    }
}

/// Waits for every task, in the order given, and returns their outputs in
/// that order; the first task that did not finish gives the error.
///
/// The tasks run concurrently all the same: `handles` is collected before
/// the first wait, so a lazy iterator spawns every task up front.
///
/// ```
/// let report = dosim::Runner::new("doc_join_all").seeds(1).run(|sim: dosim::Sim| async move {
///     let tasks = sim.clients().into_iter().enumerate().map(|(i, client)| {
///         client.spawn(async move {
///             dosim::sleep(std::time::Duration::from_millis(10 * i as u64)).await;
///             i * 2
///         })
///     });
///     assert_eq!(dosim::join_all(tasks).await?, vec![0, 2, 4]);
///     Ok(())
/// });
/// assert!(report.passed(), "{:?}", report.failures);
/// ```
pub async fn join_all<T>(handles: impl IntoIterator<Item = JoinHandle<T>>) -> Result<Vec<T>> {
    let handles: Vec<JoinHandle<T>> = handles.into_iter().collect();
    let mut outputs = Vec::with_capacity(handles.len());
    for handle in handles {
        outputs.push(handle.await?);
    }
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::{Runner, Sim};

    #[test]
    fn an_aborted_task_joins_as_an_error_naming_its_client() {
        let report = Runner::new("join_names_client")
            .seeds(1)
            .quiet()
            .run(|sim: Sim| async move {
                let client = sim.client(1);
                let task = client.spawn(crate::sleep(Duration::from_secs(60)));
                task.abort();
                let err = crate::join_all([task]).await.expect_err("aborted");
                let expected = format!(
                    "a task spawned by {} was cancelled before it finished",
                    client.name()
                );
                assert_eq!(err.message(), expected);
                Ok(())
            });
        assert!(report.passed(), "{:?}", report.failures);
    }
}
