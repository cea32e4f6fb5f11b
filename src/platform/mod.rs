//! The application around the objects: the stateless Worker in front of
//! them, and the platform's services that objects and Workers call (a blob
//! bucket, a KV namespace, queues, services the test defines).
//!
//! Built on the runtime's public handles only ([`Env`](crate::Env),
//! [`Request`](crate::Request), the trace): this layer adds no rule to how
//! objects run. Each service keeps the documented semantics of the product
//! it stands for (consistency, delivery guarantees, limits, error texts);
//! `docs/platform.md` lists them, and where dosim differs. Every service
//! lives at a location of the simulated world, every call to it crosses the
//! simulated network, and every random choice it makes comes from a stream
//! of its own split from the run's seed.
//!
//! A service is bound to a name like a namespace, by the test
//! (`sim.bucket("ARCHIVE")`, …), and looked up by that name through `Env`
//! (`env.bucket("ARCHIVE")`); one name holds one binding of any kind.
//!
//! | module | binds with | reached through |
//! |---|---|---|
//! | [`worker`] | `sim.worker::<W>(name)`, `sim.cron(name, expr)` | [`WorkerHandle::fetch`](worker::WorkerHandle::fetch) |
//! | [`service`] | `sim.service(name, handler)` | `env.service(name)`, `env.fetch(req)` |
//! | [`bucket`] | `sim.bucket(name)` | `env.bucket(name)` |
//! | [`kv`] | `sim.kv_namespace(name)` | `env.kv_namespace(name)` |
//! | [`queue`] | `sim.queue(name, config)`, `sim.consumer::<W>(name)` | `env.queue(name)` |

pub mod bucket;
pub mod kv;
pub mod queue;
pub mod service;
pub mod worker;
