//! The HTTP path into an object: `fetch(request) -> response`.
//!
//! Deliberately small: a method, a URL, headers and a body, serialisable so
//! that requests and responses cross the simulated network like RPC values.

use serde::{Deserialize, Serialize};

use super::error::{Error, Result};

/// An HTTP request to an object.
///
/// ```
/// use dosim::Request;
/// let r = Request::post("https://counter/increment", "5");
/// assert_eq!(r.method(), "POST");
/// assert_eq!(r.path(), "/increment");
/// assert_eq!(r.text().unwrap(), "5");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    /// A request with any method.
    pub fn new(method: &str, url: &str) -> Request {
        Request {
            method: method.to_ascii_uppercase(),
            url: url.to_string(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `GET` request.
    pub fn get(url: &str) -> Request {
        Request::new("GET", url)
    }

    /// A `POST` request with a body.
    pub fn post(url: &str, body: impl Into<Vec<u8>>) -> Request {
        Request {
            body: body.into(),
            ..Request::new("POST", url)
        }
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Request {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// The method, upper case.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The whole URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The path part of the URL (`/` when there is none).
    pub fn path(&self) -> &str {
        let rest = match self.url.find("://") {
            Some(i) => &self.url[i + 3..],
            None => &self.url,
        };
        let rest = match rest.find('/') {
            Some(i) if self.url.contains("://") => &rest[i..],
            Some(_) => rest,
            None => "/",
        };
        rest.split(['?', '#']).next().unwrap_or("/")
    }

    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Every header, in the order set (for the JavaScript host).
    #[cfg(feature = "js")]
    pub(crate) fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str> {
        body_text(&self.body, "request")
    }
}

/// An HTTP response from an object.
///
/// ```
/// use dosim::Response;
/// let r = Response::ok("7");
/// assert_eq!(r.status(), 200);
/// assert_eq!(r.text().unwrap(), "7");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// The client end of a WebSocket, for an upgrade answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    websocket: Option<u64>,
}

impl Response {
    /// A response with a status and a body.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
            websocket: None,
        }
    }

    /// `101 Switching Protocols` carrying the client end of a new socket:
    /// how `fetch` accepts a WebSocket upgrade.
    pub fn websocket(client: crate::runtime::websocket::registry::WebSocketClientEnd) -> Response {
        Response {
            websocket: Some(client.0),
            ..Response::new(101, Vec::new())
        }
    }

    /// The socket an upgrade answer carries.
    pub(crate) fn websocket_id(&self) -> Option<u64> {
        self.websocket
    }

    /// `200 OK` with a body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Response {
        Response::new(200, body)
    }

    /// An error status with a text body.
    pub fn error(status: u16, message: &str) -> Response {
        Response::new(status, message.as_bytes().to_vec())
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_string()));
        self
    }

    /// The status code.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// A header's value (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Every header, in the order set (for the JavaScript host).
    #[cfg(feature = "js")]
    pub(crate) fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<&str> {
        body_text(&self.body, "response")
    }
}

/// Header names are stored lower-case; look-ups ignore case.
fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn body_text<'a>(body: &'a [u8], what: &str) -> Result<&'a str> {
    std::str::from_utf8(body)
        .map_err(|e| Error::type_error(format!("{what} body is not UTF-8: {e}")))
}
