//! A counter in key-value storage, and its twin that awaits a timer
//! between reading and writing the count, which lets a second request in
//! to read the same count: increments are lost.

use std::time::Duration;

use worker::*;

/// Counts `/increment` requests; `/value` reads the count.
#[durable_object]
pub struct Counter {
    state: State,
}

impl DurableObject for Counter {
    fn new(state: State, _env: Env) -> Self {
        Counter { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let storage = self.state.storage();
        let count: u64 = storage.get("count").await?.unwrap_or(0);
        match super::operation(&req).as_str() {
            "increment" => {
                storage.put("count", count + 1).await?;
                Response::ok((count + 1).to_string())
            }
            "value" => Response::ok(count.to_string()),
            _ => Response::error("Not Found", 404),
        }
    }
}

/// [`Counter`] with a bug: it waits between the read and the write.
#[durable_object]
pub struct CounterRacy {
    state: State,
}

impl DurableObject for CounterRacy {
    fn new(state: State, _env: Env) -> Self {
        CounterRacy { state }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let storage = self.state.storage();
        let count: u64 = storage.get("count").await?.unwrap_or(0);
        match super::operation(&req).as_str() {
            "increment" => {
                // The bug: a timer lets other requests in before the write.
                Delay::from(Duration::from_millis(5)).await;
                storage.put("count", count + 1).await?;
                Response::ok((count + 1).to_string())
            }
            "value" => Response::ok(count.to_string()),
            _ => Response::error("Not Found", 404),
        }
    }
}
