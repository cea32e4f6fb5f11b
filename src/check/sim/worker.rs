//! Binding Worker classes and their cron triggers from a test.

use crate::platform::worker::{start_cron, Schedule, Worker, WorkerClass, WorkerHandle};
use crate::runtime::error::Result;

use super::Sim;

impl Sim {
    /// Binds the Worker class `W` to `name`, and returns it as seen from
    /// the first client: each request sent to it runs on a fresh `W` at
    /// the sending client's location. Other clients reach it with
    /// [`Client::worker`](crate::Client::worker). Binding a name twice to
    /// one class is harmless; to two classes, or to a name that holds
    /// another binding, an error.
    pub fn worker<W: Worker>(&self, name: &str) -> Result<WorkerHandle> {
        let env = self.runtime().env_at(self.first_client());
        WorkerClass::bind::<W>(&env, name, |binding| self.bind(name, binding))?;
        self.client(0).worker(name)
    }

    /// Calls the `scheduled` handler of the Worker bound to `name` at each
    /// time `expression` (five cron fields, UTC, on the simulated wall
    /// clock that starts at 2026-01-01T00:00:00Z) falls due, until the run
    /// ends. An error if no Worker has that name or the expression does not
    /// parse.
    pub fn cron(&self, name: &str, expression: &str) -> Result<()> {
        let env = self.runtime().env_at(self.first_client());
        let class = WorkerClass::find(&env, name)?;
        let schedule = Schedule::parse(expression)?;
        start_cron(self.runtime().clone(), class, schedule);
        Ok(())
    }

    fn first_client(&self) -> crate::sim::world_config::LocationId {
        self.runtime()
            .world
            .config()
            .clients()
            .next()
            .unwrap_or_default()
    }
}
