//! Explicit transactions: `transaction_sync(f)` and the async
//! `transaction(f)`.
//!
//! Both run `f` inside a savepoint of the event's write batch: if `f`
//! returns an error (or panics, or the object is reset meanwhile) every
//! write it made — KV, SQL, `delete_all` excepted since it is refused — is
//! rolled back, and the error reaches the caller unchanged; the object is
//! not reset. If `f` succeeds its writes stay in the batch and commit with
//! it. The async form is a critical section: its storage operation stays in
//! flight for the whole body, so the input gate admits no other event and
//! the batch does not close, even across an await that leaves the object.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{access_error, InFlight, Storage};
use crate::runtime::error::{Error, Result};
use crate::storage::database::ListOptions;
use crate::storage::service::ServiceTransaction;
use crate::trace::{StorageOp, What};

/// Ends the transaction when dropped: commits only if told to, so a panic
/// or a dropped event rolls back.
struct Open {
    op: InFlight,
    txn: Option<ServiceTransaction>,
}

impl Open {
    fn begin(storage: &Storage) -> Result<Open> {
        let op = storage.begin(StorageOp::Transaction)?;
        // The body awaits while the transaction holds the gate.
        op.show();
        let txn = op
            .inst
            .storage
            .transaction_begin(op.inst.epoch)
            .map_err(access_error)?;
        Ok(Open { op, txn: Some(txn) })
    }

    fn end(&mut self, commit: bool) -> Result<()> {
        let Some(txn) = self.txn.take() else {
            return Ok(());
        };
        let rolled_back = self
            .op
            .inst
            .storage
            .transaction_end(self.op.inst.epoch, txn, commit)
            .map_err(access_error)?;
        if let Some((batch, kept)) = rolled_back {
            self.op.inst.record(What::StorageRolledBack {
                event: self.op.event,
                batch,
                kept,
            });
        }
        Ok(())
    }

    /// Commits on `Ok`, rolls back on `Err`; the body's error wins.
    fn finish<T>(mut self, result: Result<T>, rolled_back: bool) -> Result<T> {
        let ended = self.end(result.is_ok() && !rolled_back);
        let value = result?;
        ended?;
        Ok(value)
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        // Reached with a transaction still open only on a panic or a
        // dropped event; a reset instance's storage refuses, which is fine:
        // its batch is gone already.
        let _ = self.end(false);
    }
}

impl Storage {
    /// Runs `f` synchronously in a transaction: its writes (KV and SQL)
    /// are kept if it returns `Ok`, rolled back if it returns `Err`, whose
    /// error is returned unchanged. An error caught inside `f` does not
    /// roll anything back.
    ///
    /// ```no_run
    /// # fn f(state: &dosim::State) -> dosim::Result<()> {
    /// let storage = state.storage();
    /// storage.transaction_sync(|| {
    ///     storage.sql().exec("UPDATE accounts SET balance = balance - 10 WHERE id = 1", ())?;
    ///     storage.sql().exec("UPDATE accounts SET balance = balance + 10 WHERE id = 2", ())?;
    ///     Ok(())
    /// })
    /// # }
    /// ```
    pub fn transaction_sync<T>(&self, f: impl FnOnce() -> Result<T>) -> Result<T> {
        let open = Open::begin(self)?;
        let result = f();
        open.finish(result, false)
    }

    /// Runs the async `f` as a transaction and a critical section: no other
    /// event runs until it settles. `f` gets a [`Transaction`] to read and
    /// write through, and to [`rollback`](Transaction::rollback) without
    /// failing. Writes are kept if `f` returns `Ok` (and did not roll
    /// back), rolled back if it returns `Err`, whose error is returned
    /// unchanged; the object is not reset either way.
    pub async fn transaction<T, F, Fut>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Transaction) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let open = Open::begin(self)?;
        let rolled_back = Rc::new(Cell::new(false));
        let txn = Transaction {
            storage: self.clone(),
            rolled_back: rolled_back.clone(),
        };
        let result = f(txn).await;
        open.finish(result, rolled_back.get())
    }
}

/// The handle an async [`transaction`](Storage::transaction) body reads and
/// writes through.
#[derive(Clone)]
pub struct Transaction {
    storage: Storage,
    rolled_back: Rc<Cell<bool>>,
}

impl Transaction {
    fn check(&self, method: &str) -> Result<()> {
        if self.rolled_back.get() {
            return Err(Error::new(format!(
                "Cannot {method}() on rolled back transaction"
            )));
        }
        Ok(())
    }

    /// The value of `key`; sees the transaction's own writes.
    pub async fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.check("get")?;
        self.storage.get(key).await
    }

    /// Stores `value` under `key`, in the transaction.
    pub async fn put<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        self.check("put")?;
        self.storage.put_now(key, value)
    }

    /// Deletes `key`, in the transaction; returns whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool> {
        self.check("delete")?;
        self.storage.delete_now(key)
    }

    /// Entries as [`ListOptions`] select, the transaction's writes included.
    pub async fn list<T: DeserializeOwned>(
        &self,
        options: ListOptions,
    ) -> Result<Vec<(String, T)>> {
        self.check("list")?;
        self.storage.list(options).await
    }

    /// Marks the transaction to roll back when its body returns; later
    /// reads and writes through this handle fail.
    pub fn rollback(&self) -> Result<()> {
        self.check("rollback")?;
        self.rolled_back.set(true);
        Ok(())
    }
}
