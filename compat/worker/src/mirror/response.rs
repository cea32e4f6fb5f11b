//! `Response`, `ResponseBuilder` and `ResponseBody`, converted to and from
//! dosim's response at the edges of a handler and a stub.
//!
//! A `101` answer carries the client end of a [`WebSocketPair`]
//! (`Response::from_websocket`, `ResponseBuilder::with_websocket`); dosim
//! hands that end to the client that sent the upgrade.
//!
//! [`WebSocketPair`]: super::websocket::WebSocketPair

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::{Error, Result};
use super::headers::Headers;
use super::websocket::WebSocket;

const CONTENT_TYPE: &str = "content-type";

/// A response body. workers-rs also has a JS stream variant, which dosim
/// does not mirror.
#[derive(Debug, Clone)]
pub enum ResponseBody {
    /// No body.
    Empty,
    /// A body of fixed bytes.
    Body(Vec<u8>),
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    body: ResponseBody,
    init: ResponseBuilder,
}

/// A response's status, headers and socket, before its body.
#[derive(Debug, Clone)]
pub struct ResponseBuilder {
    status_code: u16,
    headers: Headers,
    websocket: Option<WebSocket>,
}

impl Default for ResponseBuilder {
    fn default() -> Self {
        ResponseBuilder {
            status_code: 200,
            headers: Headers::new(),
            websocket: None,
        }
    }
}

impl ResponseBuilder {
    /// Status 200, no headers.
    pub fn new() -> Self {
        ResponseBuilder::default()
    }

    /// Sets the status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status_code = status;
        self
    }

    /// Replaces the headers.
    pub fn with_headers(mut self, headers: Headers) -> Self {
        self.headers = headers;
        self
    }

    /// Sets one header.
    pub fn with_header(self, key: &str, value: &str) -> Result<Self> {
        self.headers.set(key, value)?;
        Ok(self)
    }

    /// Carries the client end of a socket (with status 101).
    pub fn with_websocket(mut self, websocket: WebSocket) -> Self {
        self.websocket = Some(websocket);
        self
    }

    /// The response with a fixed body.
    pub fn fixed(self, body: Vec<u8>) -> Response {
        self.body(ResponseBody::Body(body))
    }

    /// The response with `body`.
    pub fn body(self, body: ResponseBody) -> Response {
        Response { body, init: self }
    }

    /// The response with no body.
    pub fn empty(self) -> Response {
        self.body(ResponseBody::Empty)
    }

    /// `value` as JSON, with `content-type: application/json`.
    pub fn from_json<B: Serialize>(self, value: &B) -> Result<Response> {
        let data = serde_json::to_string(value)
            .map_err(|_| Error::Json(("Failed to encode data to json".into(), 500)))?;
        self.headers.set(CONTENT_TYPE, "application/json")?;
        Ok(self.fixed(data.into_bytes()))
    }

    /// HTML, with `content-type: text/html; charset=utf-8`.
    pub fn from_html(self, html: impl AsRef<str>) -> Result<Response> {
        self.headers.set(CONTENT_TYPE, "text/html; charset=utf-8")?;
        Ok(self.fixed(html.as_ref().as_bytes().to_vec()))
    }

    /// Bytes, with `content-type: application/octet-stream`.
    pub fn from_bytes(self, bytes: Vec<u8>) -> Result<Response> {
        self.headers.set(CONTENT_TYPE, "application/octet-stream")?;
        Ok(self.fixed(bytes))
    }

    /// Text, with `content-type: text/plain; charset=utf-8`.
    pub fn ok(self, body: impl Into<String>) -> Result<Response> {
        self.headers
            .set(CONTENT_TYPE, "text/plain; charset=utf-8")?;
        Ok(self.fixed(body.into().into_bytes()))
    }

    /// An error message with an error status; an error unless `status` is
    /// in 400..=599.
    pub fn error(self, msg: impl Into<String>, status: u16) -> Result<Response> {
        if !(400..=599).contains(&status) {
            return Err(Error::Internal(dosim::Error::new(
                "error status codes must be in the 400-599 range! see https://developer.mozilla.org/en-US/docs/Web/HTTP/Status for more",
            )));
        }
        Ok(self.with_status(status).fixed(msg.into().into_bytes()))
    }
}

impl Response {
    /// A builder.
    pub fn builder() -> ResponseBuilder {
        ResponseBuilder::new()
    }

    /// See [`ResponseBuilder::from_json`].
    pub fn from_json<B: Serialize>(value: &B) -> Result<Self> {
        ResponseBuilder::new().from_json(value)
    }

    /// See [`ResponseBuilder::from_html`].
    pub fn from_html(html: impl AsRef<str>) -> Result<Self> {
        ResponseBuilder::new().from_html(html)
    }

    /// See [`ResponseBuilder::from_bytes`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        ResponseBuilder::new().from_bytes(bytes)
    }

    /// A 200 response with `body`.
    pub fn from_body(body: ResponseBody) -> Result<Self> {
        Ok(ResponseBuilder::new().body(body))
    }

    /// `101 Switching Protocols` carrying the client end of a socket.
    pub fn from_websocket(websocket: WebSocket) -> Result<Self> {
        Ok(ResponseBuilder::new()
            .with_websocket(websocket)
            .with_status(101)
            .empty())
    }

    /// See [`ResponseBuilder::ok`].
    pub fn ok(body: impl Into<String>) -> Result<Self> {
        ResponseBuilder::new().ok(body)
    }

    /// A 200 response with no body.
    pub fn empty() -> Result<Self> {
        Ok(ResponseBuilder::new().empty())
    }

    /// See [`ResponseBuilder::error`].
    pub fn error(msg: impl Into<String>, status: u16) -> Result<Self> {
        ResponseBuilder::new().error(msg, status)
    }

    /// `302 Found` to `url`.
    pub fn redirect(url: url::Url) -> Result<Self> {
        Response::redirect_with_status(url, 302)
    }

    /// A redirect to `url`; an error unless `status_code` is 301, 302,
    /// 303, 307 or 308.
    pub fn redirect_with_status(url: url::Url, status_code: u16) -> Result<Self> {
        if ![301, 302, 303, 307, 308].contains(&status_code) {
            return Err(Error::Internal(dosim::Error::new(
                "redirect status codes must be in the 300-399 range! Please checkout https://developer.mozilla.org/en-US/docs/Web/HTTP/Status#redirection_messages for more",
            )));
        }
        ResponseBuilder::new()
            .with_status(status_code)
            .with_header("location", url.as_str())
            .map(ResponseBuilder::empty)
    }

    /// The status.
    pub fn status_code(&self) -> u16 {
        self.init.status_code
    }

    /// The body.
    pub fn body(&self) -> &ResponseBody {
        &self.body
    }

    /// The body as text.
    pub async fn text(&mut self) -> Result<String> {
        String::from_utf8(self.bytes().await?).map_err(|e| Error::RustError(e.to_string()))
    }

    /// The body as JSON.
    pub async fn json<B: DeserializeOwned>(&mut self) -> Result<B> {
        Ok(serde_json::from_str(&self.text().await?)?)
    }

    /// The body bytes.
    pub async fn bytes(&mut self) -> Result<Vec<u8>> {
        Ok(match &self.body {
            ResponseBody::Body(bytes) => bytes.clone(),
            ResponseBody::Empty => Vec::new(),
        })
    }

    /// The socket a 101 answer carries.
    pub fn websocket(self) -> Option<WebSocket> {
        self.init.websocket
    }

    /// Replaces the headers.
    pub fn with_headers(mut self, headers: Headers) -> Self {
        self.init.headers = headers;
        self
    }

    /// Sets the status.
    pub fn with_status(mut self, status_code: u16) -> Self {
        self.init.status_code = status_code;
        self
    }

    /// Sets or clears the socket.
    pub fn with_websocket(mut self, websocket: Option<WebSocket>) -> Self {
        self.init.websocket = websocket;
        self
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.init.headers
    }

    /// The headers, to change.
    pub fn headers_mut(&mut self) -> &mut Headers {
        &mut self.init.headers
    }

    /// A copy; an error for a response carrying a socket.
    pub fn cloned(&mut self) -> Result<Self> {
        if self.init.websocket.is_some() {
            return Err(Error::RustError("WebSockets cannot be cloned".into()));
        }
        Ok(Response {
            body: self.body.clone(),
            init: self.init.clone(),
        })
    }

    /// The builder and the body.
    pub fn into_parts(self) -> (ResponseBuilder, ResponseBody) {
        (self.init, self.body)
    }

    /// The response a stub got, from dosim's.
    pub(crate) fn from_sim(mut resp: dosim::Response) -> Response {
        let websocket = resp.take_websocket().map(WebSocket::client_end);
        let body = match resp.body() {
            [] => ResponseBody::Empty,
            bytes => ResponseBody::Body(bytes.to_vec()),
        };
        let headers = resp.headers().collect::<Headers>();
        Response {
            body,
            init: ResponseBuilder {
                status_code: resp.status(),
                headers,
                websocket,
            },
        }
    }

    /// dosim's response, for the runtime; an error for a socket that is
    /// not the client end of a new pair.
    pub(crate) fn into_sim(self) -> Result<dosim::Response> {
        let mut resp = match self.init.websocket {
            Some(ws) => dosim::Response::websocket(ws.take_client_end()?),
            None => {
                let body = match self.body {
                    ResponseBody::Empty => Vec::new(),
                    ResponseBody::Body(bytes) => bytes,
                };
                dosim::Response::new(self.init.status_code, body)
            }
        };
        for (name, value) in self.init.headers.entries() {
            resp = resp.with_header(&name, &value);
        }
        Ok(resp)
    }
}
