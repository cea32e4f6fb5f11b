//! The example objects of dosim, each with its buggy twin, and the
//! workloads that check them.
//!
//! Each module holds what one example binary under `examples/` runs (that
//! binary's doc says what the example shows and how to run it). The sim
//! tests, the benches and the fuzz target use the same objects and
//! workloads, so a twin is caught by exactly the workload its original
//! passes, and a fix to one is a fix to every user.

#![deny(missing_docs)]

pub mod chat;
pub mod chat_memory_names;
pub mod checkout;
pub mod checkout_double_charge;
pub mod counter;
pub mod counter_racy;
pub mod subscription;
pub mod subscription_double_charge;
// Queues.
pub mod offload;
pub mod offload_double_apply;
// The Worker entry.
pub mod counter_front;
pub mod workspace;
pub mod workspace_orphans;
// The KV namespace's example.
pub mod session;
pub mod session_trusts_flag;

// The bucket's examples, and the listing they share.
pub mod archive;
pub mod archive_chat;
pub mod archive_chat_early_clear;

// Objects written for workers-rs, through the mirror.
pub mod workers_rs;
// The agents layer's examples.
pub mod agent_chat;
pub mod agent_chat_memory_names;
pub mod job_runner;
pub mod job_runner_done_first;
pub mod reminders;
pub mod reminders_single_slot;
// TypeScript objects (the `js` feature).
#[cfg(feature = "js")]
pub mod js_chat;
#[cfg(feature = "js")]
pub mod js_counter;
#[cfg(feature = "js")]
pub mod js_workspace;
