//! `Sim::bucket`: a test binds a bucket by name, for objects and Workers to
//! reach through their `Env`.

use std::rc::Rc;

use super::Sim;
use crate::platform::bucket::{Bucket, BucketService, KIND};
use crate::runtime::error::Result;

impl Sim {
    /// Binds an empty bucket to `name` and returns a handle on it from the
    /// first client; objects reach it with
    /// [`Env::bucket`](crate::Env::bucket). Binding a name that is already
    /// a bucket returns that bucket; a name bound to another kind is an
    /// error.
    pub fn bucket(&self, name: &str) -> Result<Bucket> {
        let rt = self.runtime();
        let origin = rt.world.config().clients().next().unwrap_or_default();
        if rt.bindings.kind_of(name) != Some(KIND) {
            let service = Rc::new(BucketService::new(&rt.world, name));
            self.bind_service(name, KIND, service)?;
        }
        let service = rt
            .bindings
            .platform::<BucketService>(name, KIND, false, "Sim::bucket")?;
        Ok(Bucket::new(service, rt.world.clone(), origin))
    }
}
