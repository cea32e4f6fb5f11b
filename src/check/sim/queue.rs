//! Binding queues and their consumers from a test.

use std::rc::Rc;

use futures::FutureExt;

use super::Sim;
use crate::platform::queue::broker::Broker;
use crate::platform::queue::{Handler, Queue, QueueConfig, QueueFaults};
use crate::platform::worker::Worker;
use crate::runtime::error::{Error, Result};
use crate::sim::rng::RunRng;
use crate::sim::seed::Stream;

impl Sim {
    /// Binds a queue to `name` with `config`, for objects, Workers and
    /// clients to send to through `env.queue(name)`; returns its producer
    /// binding as seen from the first client. Messages are delivered once
    /// a consumer is named with [`consumer`](Self::consumer).
    ///
    /// ```
    /// use dosim::platform::queue::QueueConfig;
    /// let report = dosim::Runner::new("doc_queue").seeds(1).run(|sim: dosim::Sim| async move {
    ///     let jobs = sim.queue("JOBS", QueueConfig::default())?;
    ///     jobs.send(&"hello").await?;
    ///     let err = sim.queue("JOBS", QueueConfig::default()).unwrap_err();
    ///     assert!(err.message().contains("already bound"), "{err}");
    ///     # sim.consumer::<Sink>("JOBS")?;
    ///     Ok(())
    /// });
    /// # #[derive(Default)] struct Sink;
    /// # impl dosim::platform::worker::Worker for Sink {
    /// #     async fn queue(&self, _: dosim::platform::queue::MessageBatch, _: dosim::Env,
    /// #         _: dosim::platform::worker::Context) -> dosim::Result<()> { Ok(()) }
    /// # }
    /// assert!(report.passed(), "{:?}", report.failures);
    /// ```
    pub fn queue(&self, name: &str, config: QueueConfig) -> Result<Queue> {
        config.validate(name)?;
        if self.runtime().bindings.kind_of(name) == Some(crate::platform::queue::KIND) {
            return Err(Error::type_error(format!(
                "queue `{name}` is already bound"
            )));
        }
        let world = &self.runtime().world;
        let mut draw = world.seed.rng_named(Stream::Queue, name);
        let faults = QueueFaults::new(world, &mut draw);
        let broker = Rc::new(Broker::new(
            name,
            config,
            self.runtime().clone(),
            RunRng::new(draw),
            faults,
        ));
        self.bind_service(name, crate::platform::queue::KIND, broker.clone())?;
        let first_client = world.config().clients().next().unwrap_or(broker.location);
        Ok(Queue::new(broker, first_client))
    }

    /// Names `W` the consumer of the queue bound to `queue`: each batch goes
    /// to [`Worker::queue`] of a fresh `W`, at the queue's location.
    pub fn consumer<W: Worker>(&self, queue: &str) -> Result<()> {
        let broker = self.runtime().bindings.platform::<Broker>(
            queue,
            crate::platform::queue::KIND,
            self.runtime().is_namespace(queue),
            "Sim::queue",
        )?;
        let handler: Handler = Rc::new(|batch, env, ctx| {
            async move { W::default().queue(batch, env, ctx).await }.boxed_local()
        });
        broker.set_consumer(handler);
        Ok(())
    }
}
