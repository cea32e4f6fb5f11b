//! How callers find a service: by its binding (`env.service("payments")`)
//! or by the host of a URL (`env.fetch(Request::post("https://payments/…"))`).
//!
//! Only services the test bound exist: the simulated world has no Internet,
//! so a URL whose host names no service fails at once with an error that
//! names the host and how to bind it, rather than reaching anything real.

use std::future::Future;

use super::{Host, Service, KIND, SETTER};
use crate::runtime::client::Client;
use crate::runtime::env::Env;
use crate::runtime::error::{Error, Result};
use crate::runtime::http::{Request, Response};

impl Env {
    /// The service bound to `name` (with [`Sim::service`](crate::Sim::service)),
    /// as seen from this `Env`'s location; an error naming it if there is none.
    pub fn service(&self, name: &str) -> Result<Service> {
        let host = self.platform::<Host>(name, KIND, SETTER)?;
        Ok(Service::new(self.runtime().clone(), host, self.origin()))
    }

    /// Sends `req` to the service its URL's host names (`https://payments/charge`
    /// reaches the service bound to `payments`), as the global `fetch` does.
    /// A URL without a host, or whose host no service is bound to, is an
    /// error (`TypeError: Fetch API cannot load: …`).
    pub fn fetch(&self, req: Request) -> impl Future<Output = Result<Response>> + 'static {
        let service = url_host(req.url()).and_then(|host| {
            self.service(host).map_err(|_| {
                Error::type_error(format!(
                    "Fetch API cannot load: {}: no service answers for host `{host}` \
                     (the simulated world reaches only services bound with {SETTER}(\"{host}\", ..))",
                    req.url()
                ))
            })
        });
        async move { service?.fetch(req).await }
    }
}

impl Client {
    /// The service bound to `name`, as seen from this client's location.
    pub fn service(&self, name: &str) -> Result<Service> {
        self.env().service(name)
    }
}

/// The host of an absolute `http(s)://host[:port]/…` URL.
fn url_host(url: &str) -> Result<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            Error::type_error(format!(
                "Fetch API cannot load: {url}: the URL must start with https:// or http://"
            ))
        })?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if host.is_empty() {
        return Err(Error::type_error(format!(
            "Fetch API cannot load: {url}: the URL has no host"
        )));
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use super::url_host;

    #[test]
    fn the_host_of_a_url_names_the_service() {
        assert_eq!(url_host("https://payments/charge").unwrap(), "payments");
        assert_eq!(url_host("http://mail:8080/send?x=1").unwrap(), "mail");
        assert_eq!(url_host("https://user@kv").unwrap(), "kv");
        assert!(url_host("payments/charge").is_err());
        let err = url_host("https:///x").unwrap_err().to_string();
        assert!(err.contains("has no host"), "{err}");
    }
}
