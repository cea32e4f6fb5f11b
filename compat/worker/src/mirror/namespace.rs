//! `ObjectNamespace`, `ObjectId` and `Stub`: reaching an object by its
//! binding's name, over HTTP.
//!
//! workers-rs's namespace is untyped; this one is dosim's namespace of any
//! class, whose stubs fetch but make no RPC calls.

use std::fmt;

use super::error::{Error, Result};
use super::method::Method;
use super::request::Request;
use super::response::Response;

/// The objects bound to one name (`env.durable_object("BINDING")?`).
#[derive(Clone, Debug)]
pub struct ObjectNamespace(dosim::ObjectNamespace<dosim::AnyClass>);

impl ObjectNamespace {
    pub(crate) fn new(ns: dosim::ObjectNamespace<dosim::AnyClass>) -> Self {
        ObjectNamespace(ns)
    }

    fn id(&self, id: dosim::ObjectId) -> ObjectId<'_> {
        ObjectId {
            id,
            namespace: Some(self),
        }
    }

    /// The id for `name`.
    pub fn id_from_name(&self, name: &str) -> Result<ObjectId<'_>> {
        Ok(self.id(self.0.id_from_name(name)))
    }

    /// Parses an id printed by `ObjectId::to_string`.
    pub fn id_from_string(&self, hex_id: &str) -> Result<ObjectId<'_>> {
        Ok(self.id(self.0.id_from_string(hex_id)?))
    }

    /// A new id that never repeats.
    pub fn unique_id(&self) -> Result<ObjectId<'_>> {
        Ok(self.id(self.0.new_unique_id()))
    }

    /// A new id; dosim has one jurisdiction, so `jd` is accepted and ignored.
    pub fn unique_id_with_jurisdiction(&self, jd: &str) -> Result<ObjectId<'_>> {
        let _ = jd;
        self.unique_id()
    }

    /// A stub for the object named `name`.
    pub fn get_by_name(&self, name: &str) -> Result<Stub> {
        self.id_from_name(name)?.get_stub()
    }

    /// A stub for the object named `name`; dosim places objects itself,
    /// so the hint is accepted and ignored.
    pub fn get_by_name_with_location_hint(&self, name: &str, location_hint: &str) -> Result<Stub> {
        let _ = location_hint;
        self.get_by_name(name)
    }
}

/// An object's id; from a namespace it gives a stub.
#[derive(Clone, Debug)]
pub struct ObjectId<'a> {
    id: dosim::ObjectId,
    namespace: Option<&'a ObjectNamespace>,
}

impl ObjectId<'_> {
    /// The id an object gets for itself, which gives no stub.
    pub(crate) fn inside(id: dosim::ObjectId) -> ObjectId<'static> {
        ObjectId {
            id,
            namespace: None,
        }
    }

    /// A stub for this object; an error for an object's own id.
    pub fn get_stub(&self) -> Result<Stub> {
        let ns = self
            .namespace
            .ok_or_else(|| Error::JsError("Cannot get stub from within a Durable Object".into()))?;
        Ok(Stub(ns.0.get(self.id.clone())))
    }

    /// A stub; dosim places objects itself, so the hint is ignored.
    pub fn get_stub_with_location_hint(&self, location_hint: &str) -> Result<Stub> {
        let _ = location_hint;
        self.get_stub()
    }

    /// The name of a named id.
    pub fn name(&self) -> Option<String> {
        self.id.name().map(str::to_string)
    }
}

impl PartialEq for ObjectId<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl fmt::Display for ObjectId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id.to_hex())
    }
}

/// A connection to one object.
#[derive(Debug)]
pub struct Stub(dosim::Stub<dosim::AnyClass>);

impl Stub {
    /// Sends `req` to the object's `fetch`.
    pub async fn fetch_with_request(&self, req: Request) -> Result<Response> {
        let resp = self.0.fetch(req.into_sim()?).await?;
        Ok(Response::from_sim(resp))
    }

    /// Sends a `GET` of `url` (a full URL) to the object's `fetch`.
    pub async fn fetch_with_str(&self, url: &str) -> Result<Response> {
        self.fetch_with_request(Request::new(url, Method::Get)?)
            .await
    }
}
