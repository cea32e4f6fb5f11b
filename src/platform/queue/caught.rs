//! A consumer's future, polled so that a panic in it fails the invocation
//! (as an uncaught exception fails a `queue()` handler) instead of the run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::runtime::panic_capture;

/// Polls the inner future, turning a panic into `Err(message)`.
pub(crate) struct Caught<F>(pub(crate) F);

impl<F: Future + Unpin> Future for Caught<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match panic_capture::catch(|| Pin::new(&mut self.0).poll(cx)) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(message) => Poll::Ready(Err(message)),
        }
    }
}
