//! The alarm and the bookmarks through the storage API: the object's one
//! alarm is a write like any other (it joins the event's batch and is
//! scheduled only once that batch is confirmed), and a bookmark names the
//! database at a moment for point-in-time recovery.

use super::{access_error, InFlight, Storage};
use crate::mutations::{self, Mutation};
use crate::runtime::error::{Error, Result};
use crate::trace::{StorageOp, What};

impl InFlight {
    /// Sets (`Some`) or deletes (`None`) the alarm, and records the write.
    fn write_alarm(&self, at_ms: Option<i64>) -> Result<()> {
        let batch = self
            .inst
            .storage
            .set_alarm(self.inst.epoch, at_ms)
            .map_err(access_error)?;
        self.inst.record(What::AlarmWritten {
            event: self.event,
            batch,
            at_ms,
        });
        Ok(())
    }

    /// Whether `at`, the alarm storage holds, is the alarm whose handler
    /// runs, left as it was: nobody set or deleted the alarm since the
    /// handler started. Such an alarm is the handler's: hidden from
    /// `get_alarm`, and deleted when the handler succeeds.
    fn running_alarm_untouched(&self, at: i64) -> bool {
        let Some(running) = self.inst.alarm_running.get() else {
            return false;
        };
        let untouched = self.inst.storage.alarm_writes() == running.writes_before
            || mutations::active(Mutation::AlarmClearByTime);
        running.scheduled_ms == at && untouched
    }
}

impl Storage {
    /// Sets the object's alarm to `time` (replacing any other: an object has
    /// one alarm): a [`SystemTime`](std::time::SystemTime), or a
    /// [`Duration`](std::time::Duration) from now (see
    /// [`ScheduledTime`](crate::ScheduledTime)). A time in the past is moved to now, so the alarm fires as
    /// soon as possible; [`get_alarm`](Storage::get_alarm) then shows now.
    /// The alarm is a write like any other: it joins the event's batch, and
    /// only once that batch is confirmed is the alarm scheduled.
    ///
    /// ```no_run
    /// # async fn f(state: &dosim::State) -> dosim::Result<()> {
    /// let in_a_month = dosim::now() + std::time::Duration::from_secs(30 * 24 * 3600);
    /// state.storage().set_alarm(in_a_month).await?;
    /// state.storage().set_alarm(std::time::Duration::from_secs(30)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn set_alarm(&self, time: impl Into<crate::runtime::ScheduledTime>) -> Result<()> {
        let time = time.into().resolve(crate::runtime::time::now());
        let ms = match time.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => d.as_secs_f64() * 1000.0,
            Err(e) => -e.duration().as_secs_f64() * 1000.0,
        };
        self.set_alarm_ms(ms).await
    }

    /// [`set_alarm`](Storage::set_alarm) with the time as JavaScript gives
    /// it: milliseconds since the Unix epoch. Errors as workerd's: a time
    /// `<= 0`, and a value that is not a time (NaN, infinite).
    pub async fn set_alarm_ms(&self, unix_ms: f64) -> Result<()> {
        if !unix_ms.is_finite() {
            return Err(Error::type_error(
                "Failed to execute 'setAlarm' on 'DurableObjectStorage': parameter 1 is not of \
                 type 'date'.",
            ));
        }
        if unix_ms <= 0.0 {
            return Err(Error::type_error(
                "setAlarm() cannot be called with an alarm time <= 0",
            ));
        }
        let op = self.begin(StorageOp::Alarm)?;
        let now = crate::runtime::time::now_unix_ms(&op.inst.rt.world);
        let at = (unix_ms as i64).max(now);
        op.write_alarm(Some(at))
    }

    /// The alarm's time, if one is set. While the alarm handler runs, the
    /// alarm it runs for is not shown (unless the handler set it again);
    /// between retries of a failing handler, it is.
    pub async fn get_alarm(&self) -> Result<Option<std::time::SystemTime>> {
        let op = self.begin(StorageOp::Alarm)?;
        let at = op.inst.storage.alarm(op.inst.epoch).map_err(access_error)?;
        let shown = at.filter(|t| !op.running_alarm_untouched(*t));
        Ok(shown
            .map(|ms| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.unsigned_abs())))
    }

    /// Deletes the alarm, if one is set.
    pub async fn delete_alarm(&self) -> Result<()> {
        let op = self.begin(StorageOp::Alarm)?;
        op.write_alarm(None)
    }

    /// After an alarm handler succeeded: deletes the alarm it ran for,
    /// unless the alarm was set or deleted since the handler started (a
    /// handler that sets it again, even to the same time, keeps it).
    pub(crate) fn retire_alarm(&self, scheduled_ms: i64) -> Result<()> {
        let op = self.begin(StorageOp::Alarm)?;
        let epoch = op.inst.epoch;
        let current = op.inst.storage.alarm(epoch).map_err(access_error)?;
        if !current.is_some_and(|at| op.running_alarm_untouched(at)) {
            return Ok(());
        }
        let batch = op
            .inst
            .storage
            .set_alarm(epoch, None)
            .map_err(access_error)?;
        op.inst.record(What::AlarmRetired {
            event: op.event,
            batch,
            scheduled_ms,
        });
        Ok(())
    }

    /// A bookmark for the database as it is now. Bookmarks are strings that
    /// sort in time order.
    pub async fn get_current_bookmark(&self) -> Result<String> {
        let op = self.begin(StorageOp::Bookmark)?;
        op.inst
            .storage
            .current_bookmark(op.inst.epoch)
            .map_err(access_error)
    }

    /// A bookmark for the database as it was at `time` (a
    /// [`SystemTime`](std::time::SystemTime) on the simulated clock, see
    /// [`now`](crate::now)), at most 30 days back.
    pub async fn get_bookmark_for_time(&self, time: std::time::SystemTime) -> Result<String> {
        let op = self.begin(StorageOp::Bookmark)?;
        let t = crate::runtime::time::since_start(time)
            .ok_or_else(|| Error::range_error("the time is before the simulation began"))?;
        op.inst
            .storage
            .bookmark_for_time(op.inst.epoch, t)
            .map_err(access_error)
    }

    /// Restores the database to `bookmark` when the object next starts;
    /// returns a bookmark that undoes the restore.
    pub async fn on_next_session_restore_bookmark(&self, bookmark: &str) -> Result<String> {
        let op = self.begin(StorageOp::Bookmark)?;
        op.inst
            .storage
            .restore_on_next_session(op.inst.epoch, bookmark)
            .map_err(access_error)
    }
}
