//! `Env`: bindings by name — object namespaces, variables, secrets.
//!
//! The platform bindings (KV, R2 bucket, queues, services, D1) are not
//! mirrored yet; calling one fails to compile, naming it.

use std::fmt;

use super::error::{Error, Result};
use super::kv::KvStore;
use super::namespace::ObjectNamespace;
use super::unmirrored::{NotMirrored, PlatformBinding};

/// The bindings an object or a Worker reaches the world by.
#[derive(Clone, Debug)]
pub struct Env(dosim::Env);

impl From<dosim::Env> for Env {
    fn from(env: dosim::Env) -> Self {
        Env(env)
    }
}

/// A string binding: a variable or a secret.
#[derive(Clone, Debug)]
pub struct StringBinding(String);

impl fmt::Display for StringBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A plain-text variable.
pub type Var = StringBinding;
/// A secret.
pub type Secret = StringBinding;

fn binding_error(e: dosim::Error) -> Error {
    Error::BindingError(e.message().to_string())
}

impl Env {
    /// The Durable Object namespace bound to `binding`.
    pub fn durable_object(&self, binding: &str) -> Result<ObjectNamespace> {
        let ns = self
            .0
            .namespace_of_any_class(binding)
            .map_err(binding_error)?;
        Ok(ObjectNamespace::new(ns))
    }

    /// The variable bound to `binding` (set with `Sim::set_var`).
    pub fn var(&self, binding: &str) -> Result<Var> {
        Ok(StringBinding(self.0.var(binding).map_err(binding_error)?))
    }

    /// The secret bound to `binding` (set with `Sim::set_secret`).
    pub fn secret(&self, binding: &str) -> Result<Secret> {
        Ok(StringBinding(
            self.0.secret(binding).map_err(binding_error)?,
        ))
    }

    /// The KV namespace bound to `binding` (bound with
    /// `Sim::kv_namespace`).
    pub fn kv(&self, binding: &str) -> Result<KvStore> {
        Ok(KvStore(
            self.0.kv_namespace(binding).map_err(binding_error)?,
        ))
    }

    /// Not mirrored yet.
    pub fn bucket<'a>(&'a self, binding: &str) -> Result<NotMirrored>
    where
        &'a (): PlatformBinding,
    {
        Err(Error::BindingError(binding.to_string()))
    }

    /// Not mirrored yet.
    pub fn queue<'a>(&'a self, binding: &str) -> Result<NotMirrored>
    where
        &'a (): PlatformBinding,
    {
        Err(Error::BindingError(binding.to_string()))
    }

    /// Not mirrored yet.
    pub fn service<'a>(&'a self, binding: &str) -> Result<NotMirrored>
    where
        &'a (): PlatformBinding,
    {
        Err(Error::BindingError(binding.to_string()))
    }
}
