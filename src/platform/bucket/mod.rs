//! A blob bucket, after Cloudflare R2: objects and Workers put, get, list
//! and delete objects by key through `env.bucket("NAME")`.
//!
//! The bucket is strongly consistent, as R2 documents: a read or a listing
//! that starts after a write was acknowledged sees that write or a later
//! one, and of two writers of one key the last to reach the bucket wins.
//! The `bucket_consistency` monitor checks exactly that from the trace.
//!
//! Every operation crosses the simulated network from the caller to the
//! bucket's location (the world's storage site) and back. Inside an object
//! the request first passes the object's output gate, as any outgoing
//! message does, and awaiting the answer lets other events in, as awaiting
//! a stub call does. The faults operations meet are described in the
//! service's module; `docs/platform.md` lists where dosim differs from R2.

mod object;
mod service;
mod store;

use std::rc::Rc;

pub use object::{
    BucketListOptions, BucketObject, Conditional, GetOptions, Listing, PutOptions, Range,
};
pub(crate) use service::BucketService;
pub use store::{
    BUCKET_DELETE_KEYS_MAX, BUCKET_KEY_BYTES_MAX, BUCKET_LIST_LIMIT_MAX, BUCKET_METADATA_BYTES_MAX,
};

use store::{internal_error, Store, Upload};

use crate::runtime::context;
use crate::runtime::env::Env;
use crate::runtime::error::{Error, Result};
use crate::sim::network::transmit_drawing;
use crate::sim::world::World;
use crate::sim::world_config::LocationId;
use crate::trace::What;

/// The kind name of a bucket binding, as errors name it.
pub(crate) const KIND: &str = "bucket";

/// A handle on one bucket, as seen from one location. Cheap to clone.
#[derive(Clone)]
pub struct Bucket {
    service: Rc<BucketService>,
    world: Rc<World>,
    origin: LocationId,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("name", &self.service.name)
            .finish_non_exhaustive()
    }
}

/// What the bucket did for one operation: the caller's value, and the
/// writes it read and made, for the trace.
struct Done<T> {
    value: T,
    seen: Vec<(String, u64)>,
    written: Vec<(String, u64)>,
}

impl Env {
    /// The bucket bound to `name` (with [`Sim::bucket`](crate::Sim::bucket));
    /// an error naming it if there is none, or if `name` is another kind.
    pub fn bucket(&self, name: &str) -> Result<Bucket> {
        let service = self.platform::<BucketService>(name, KIND, "Sim::bucket")?;
        Ok(Bucket::new(
            service,
            self.runtime().world.clone(),
            self.origin(),
        ))
    }
}

impl Bucket {
    pub(crate) fn new(service: Rc<BucketService>, world: Rc<World>, origin: LocationId) -> Bucket {
        Bucket {
            service,
            world,
            origin,
        }
    }

    /// The bucket's binding name.
    pub fn name(&self) -> &str {
        &self.service.name
    }

    /// Stores `body` at `key`, replacing what was there; returns the new
    /// object's metadata, or `None` if `options.only_if` did not hold
    /// (nothing was written).
    pub async fn put(
        &self,
        key: &str,
        body: impl Into<Vec<u8>>,
        options: PutOptions,
    ) -> Result<Option<BucketObject>> {
        let body = body.into();
        let key = key.to_string();
        self.call("put", vec![key.clone()], move |svc, world| {
            svc.before_write(world, &key);
            let upload = Upload {
                version: svc.version(),
                uploaded: crate::runtime::time::sim_epoch() + world.now(),
            };
            let put = svc.store.borrow_mut().put(&key, body, &options, upload)?;
            Ok(match put {
                Some((object, write)) => Done {
                    value: Some(object),
                    seen: Vec::new(),
                    written: vec![(key, write)],
                },
                None => Done {
                    value: None,
                    seen: Vec::new(),
                    written: Vec::new(),
                },
            })
        })
        .await
    }

    /// The object at `key` with its body (the range asked for), or `None`
    /// if there is none. If `options.only_if` does not hold, the object
    /// comes without its body, as R2 answers.
    pub async fn get(&self, key: &str, options: GetOptions) -> Result<Option<BucketObject>> {
        self.read("get", key, options, true).await
    }

    /// The metadata of the object at `key`, or `None`.
    pub async fn head(&self, key: &str) -> Result<Option<BucketObject>> {
        self.read("head", key, GetOptions::default(), false).await
    }

    async fn read(
        &self,
        op: &'static str,
        key: &str,
        options: GetOptions,
        body: bool,
    ) -> Result<Option<BucketObject>> {
        Store::check_get(op, key, &options)?;
        let key = key.to_string();
        self.call(op, vec![key.clone()], move |svc, world| {
            let (stored, write) = svc.visible(world, &key);
            let value = Store::read(stored.as_ref(), &options, body)?;
            Ok(Done {
                value,
                seen: vec![(key, write)],
                written: Vec::new(),
            })
        })
        .await
    }

    /// Deletes the object at `key`; a missing key is no error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        self.delete_many(&[key]).await
    }

    /// Deletes the objects at `keys` (at most
    /// [`BUCKET_DELETE_KEYS_MAX`]); missing keys are no error.
    pub async fn delete_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<()> {
        let keys: Vec<String> = keys.iter().map(|k| k.as_ref().to_string()).collect();
        self.call("delete", keys.clone(), move |svc, world| {
            for key in &keys {
                svc.before_write(world, key);
            }
            let written = svc.store.borrow_mut().delete(&keys)?;
            Ok(Done {
                value: (),
                seen: Vec::new(),
                written,
            })
        })
        .await
    }

    /// One page of the objects `options` select, in key order.
    pub async fn list(&self, options: BucketListOptions) -> Result<Listing> {
        let prefix = options.prefix.clone().unwrap_or_default();
        self.call("list", vec![prefix], move |svc, _world| {
            let (value, seen) = svc.store.borrow().list(&options)?;
            Ok(Done {
                value,
                seen,
                written: Vec::new(),
            })
        })
        .await
    }

    /// One operation, end to end: through the caller's output gate, to the
    /// bucket, applied there (unless a fault stops it), and back; recorded
    /// in the trace at both ends.
    async fn call<T>(
        &self,
        op: &'static str,
        keys: Vec<String>,
        apply: impl FnOnce(&BucketService, &World) -> Result<Done<T>>,
    ) -> Result<T> {
        if let Some(ctx) = context::current() {
            // A request from an object is output: it waits for its writes.
            if ctx.instance.release_output(ctx.event).await.is_err() {
                return Err(Error::connection_lost());
            }
        }
        let (svc, world) = (&self.service, &self.world);
        let call = svc.next_call();
        let first = keys.first().cloned().unwrap_or_default();
        world.record(
            self.origin,
            None,
            0,
            What::BucketSent {
                call,
                bucket: svc.name.as_str().into(),
                op: op.into(),
                keys: keys.into(),
            },
        );
        let drawn = svc.draw(world, op, &first);
        let result = self.travel(op, drawn, apply).await;
        let (ok, seen, written) = match &result {
            Ok(done) => (true, done.seen.clone(), done.written.clone()),
            Err(_) => (false, Vec::new(), Vec::new()),
        };
        world.record(
            self.origin,
            None,
            0,
            What::BucketAnswered {
                call,
                ok,
                seen: seen.into(),
                written: written.into(),
            },
        );
        result.map(|done| done.value)
    }

    async fn travel<T>(
        &self,
        op: &'static str,
        drawn: service::Drawn,
        apply: impl FnOnce(&BucketService, &World) -> Result<Done<T>>,
    ) -> Result<Done<T>> {
        let (svc, world) = (&self.service, &self.world);
        if transmit_drawing(world, &svc.rng, self.origin, svc.location)
            .await
            .is_err()
        {
            return Err(Error::connection_lost());
        }
        if !drawn.extra.is_zero() {
            madsim::time::sleep(drawn.extra).await;
        }
        let result = if drawn.error {
            Err(internal_error(op))
        } else {
            apply(svc, world)
        };
        let result = match result {
            // Written, and answered as a failure.
            Ok(_) if drawn.lost_put => Err(internal_error(op)),
            other => other,
        };
        if transmit_drawing(world, &svc.rng, svc.location, self.origin)
            .await
            .is_err()
        {
            return Err(Error::connection_lost());
        }
        result
    }
}
