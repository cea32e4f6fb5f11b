//! RPC methods written with `#[dosim::rpc_methods]`: any `Result` path,
//! borrowed arguments, `'static` client futures, and twins that reuse
//! their original's methods.

use std::cell::RefCell;
use std::future::Future;

use dosim::{DurableObject, Env, Faults, Result, Runner, Sim, State};

/// These tests are about what a call carries, not about faults: each sweeps
/// its seeds in a world without them (`dosim::check` would inject some).
fn fault_free<F, Fut>(name: &str, body: F)
where
    F: Fn(Sim) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + 'static,
{
    Runner::new(name)
        .faults(Faults::None)
        .run(body)
        .assert_passed();
}

/// A guest book: the original.
struct Book {
    state: State,
}

impl DurableObject for Book {
    fn new(state: State, _env: Env) -> Self {
        Book { state }
    }
}

#[dosim::rpc_methods(BookRpc)]
impl Book {
    /// Signs the book; returns how many names it holds.
    async fn sign(&self, name: &str) -> dosim::Result<u64> {
        let mut names: Vec<String> = self
            .state
            .storage()
            .get(self.key())
            .await?
            .unwrap_or_default();
        names.push(name.to_string());
        self.state.storage().put(self.key(), &names).await?;
        Ok(names.len() as u64)
    }

    /// Every name, in signing order.
    async fn names(&self) -> std::result::Result<Vec<String>, dosim::Error> {
        Ok(self
            .state
            .storage()
            .get(self.key())
            .await?
            .unwrap_or_default())
    }

    /// How many of `names` signed.
    async fn signed(&self, names: &[String]) -> Result<usize> {
        let all = self.names().await?;
        Ok(names.iter().filter(|n| all.contains(n)).count())
    }

    /// Not an RPC method (not async): stays an ordinary method.
    fn key(&self) -> &'static str {
        "names"
    }
}

/// A twin that shouts names; `names` and `signed` are the original's.
struct ShoutingBook {
    inner: Book,
}

impl DurableObject for ShoutingBook {
    fn new(state: State, env: Env) -> Self {
        ShoutingBook {
            inner: Book::new(state, env),
        }
    }
}

#[dosim::rpc_methods(impl BookRpc, fallback = inner)]
impl ShoutingBook {
    async fn sign(&self, name: &str) -> Result<u64> {
        self.inner.sign(&name.to_uppercase()).await
    }
}

/// A twin that defines only `sign`, without a fallback.
struct SignOnlyBook {
    names: RefCell<Vec<String>>,
}

impl DurableObject for SignOnlyBook {
    fn new(_state: State, _env: Env) -> Self {
        SignOnlyBook {
            names: RefCell::new(Vec::new()),
        }
    }
}

#[dosim::rpc_methods(impl BookRpc)]
impl SignOnlyBook {
    async fn sign(&self, name: &str) -> Result<u64> {
        self.names.borrow_mut().push(name.to_string());
        Ok(self.names.borrow().len() as u64)
    }
}

#[test]
fn borrowed_arguments_cross_the_network_and_any_result_path_works() {
    fault_free("borrowed_arguments", |sim: dosim::Sim| async move {
        let books = sim.register::<Book>("BOOK")?;
        let book = books.get_by_name("lobby");
        assert_eq!(book.sign("ada").await?, 1);
        assert_eq!(book.sign(&String::from("alan")).await?, 2);
        assert_eq!(book.names().await?, ["ada", "alan"]);
        let asked = ["ada".to_string(), "grace".to_string()];
        assert_eq!(book.signed(&asked).await?, 1);
        Ok(())
    });
}

#[test]
fn a_twin_falls_back_to_its_originals_methods() {
    fault_free("twin_fallback", |sim: dosim::Sim| async move {
        let books = sim.register::<ShoutingBook>("SHOUT")?;
        let book = books.get_by_name("lobby");
        assert_eq!(book.sign("ada").await?, 1);
        // Not defined by the twin: answered by its `inner` Book.
        assert_eq!(book.names().await?, ["ADA"]);
        assert_eq!(book.signed(&["ADA".to_string()]).await?, 1);
        Ok(())
    });
}

#[test]
fn a_twin_without_fallback_answers_only_its_own_methods() {
    fault_free("twin_without_fallback", |sim: dosim::Sim| async move {
        let books = sim.register::<SignOnlyBook>("SIGN_ONLY")?;
        let book = books.get_by_name("lobby");
        assert_eq!(book.sign("ada").await?, 1);
        let err = book.names().await.expect_err("SignOnlyBook has no names()");
        assert!(
            err.to_string()
                .contains("does not implement the method \"names\""),
            "{err}"
        );
        Ok(())
    });
}

#[test]
fn a_client_future_outlives_its_temporary_stub() {
    fault_free("static_client_futures", |sim: dosim::Sim| async move {
        let books = sim.register::<Book>("BOOK")?;
        // The exact shape a workload closure takes: the stub is a temporary.
        let sign = |name: &str| books.get_by_name("lobby").sign(name);
        let first = sim.spawn(sign("ada"));
        let second = sim.spawn(sign("alan"));
        let mut counts = [first.await??, second.await??];
        counts.sort();
        assert_eq!(counts, [1, 2]);
        Ok(())
    });
}
