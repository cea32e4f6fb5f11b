//! `Request` and `RequestInit`, converted to and from dosim's request at
//! the edges of a handler and a stub.
//!
//! A request the runtime hands to a handler is immutable, as in
//! workers-rs: `headers_mut` and `path_mut` fail on it; one made with
//! `Request::new` is mutable. Its body can be read once.

use serde::de::DeserializeOwned;
use url::Url;

use super::error::{Error, Result};
use super::headers::Headers;
use super::method::Method;

/// An HTTP request.
#[derive(Debug)]
pub struct Request {
    method: Method,
    url: Url,
    path: String,
    headers: Headers,
    body: Vec<u8>,
    body_used: bool,
    immutable: bool,
}

/// Options for [`Request::new_with_init`]. dosim's body is bytes where
/// workers-rs's is a `JsValue`.
#[derive(Debug, Default, Clone)]
pub struct RequestInit {
    /// The body.
    pub body: Option<Vec<u8>>,
    /// The headers.
    pub headers: Headers,
    /// The method.
    pub method: Method,
}

impl RequestInit {
    /// Default options: `GET`, no headers, no body.
    pub fn new() -> Self {
        RequestInit::default()
    }

    /// Sets the headers.
    pub fn with_headers(&mut self, headers: Headers) -> &mut Self {
        self.headers = headers;
        self
    }

    /// Sets the method.
    pub fn with_method(&mut self, method: Method) -> &mut Self {
        self.method = method;
        self
    }

    /// Sets the body (anything that converts to bytes: a `String`, a
    /// `Vec<u8>`, …).
    pub fn with_body(&mut self, body: Option<impl Into<Vec<u8>>>) -> &mut Self {
        self.body = body.map(Into::into);
        self
    }
}

impl Request {
    /// A mutable request to `uri`; an error if `uri` is not a full URL.
    pub fn new(uri: &str, method: Method) -> Result<Self> {
        Request::new_with_init(uri, RequestInit::new().with_method(method))
    }

    /// A mutable request to `uri` with `init`'s method, headers and body.
    pub fn new_with_init(uri: &str, init: &RequestInit) -> Result<Self> {
        let url = Url::parse(uri)
            .map_err(|e| Error::JsError(format!("TypeError: Invalid URL {uri}: {e}")))?;
        Ok(Request {
            method: init.method.clone(),
            path: url.path().to_string(),
            url,
            headers: init.headers.clone(),
            body: init.body.clone().unwrap_or_default(),
            body_used: false,
            immutable: false,
        })
    }

    /// The body as JSON, once.
    pub async fn json<B: DeserializeOwned>(&mut self) -> Result<B> {
        Ok(serde_json::from_slice(&self.take_body()?)?)
    }

    /// The body as text, once.
    pub async fn text(&mut self) -> Result<String> {
        String::from_utf8(self.take_body()?).map_err(|_| Error::BadEncoding)
    }

    /// The body bytes, once.
    pub async fn bytes(&mut self) -> Result<Vec<u8>> {
        self.take_body()
    }

    fn take_body(&mut self) -> Result<Vec<u8>> {
        if self.body_used {
            return Err(Error::BodyUsed);
        }
        self.body_used = true;
        Ok(std::mem::take(&mut self.body))
    }

    /// The headers.
    pub fn headers(&self) -> &Headers {
        &self.headers
    }

    /// The headers, to change; an error on a request the runtime handed in.
    pub fn headers_mut(&mut self) -> Result<&mut Headers> {
        if self.immutable {
            return Err(Error::JsError(
                "Cannot get a mutable reference to an immutable headers object.".into(),
            ));
        }
        Ok(&mut self.headers)
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method.clone()
    }

    /// The URL's path.
    pub fn path(&self) -> String {
        self.path.clone()
    }

    /// The path, to change; an error on a request the runtime handed in.
    pub fn path_mut(&mut self) -> Result<&mut String> {
        if self.immutable {
            return Err(Error::JsError(
                "Cannot get a mutable reference to an immutable path.".into(),
            ));
        }
        Ok(&mut self.path)
    }

    /// The URL.
    pub fn url(&self) -> Result<Url> {
        Ok(self.url.clone())
    }

    /// The URL's query, decoded into `Q`.
    pub fn query<Q: DeserializeOwned>(&self) -> Result<Q> {
        serde_urlencoded::from_str(self.url.query().unwrap_or_default())
            .map_err(|e| Error::RustError(e.to_string()))
    }

    /// A copy (its body too, if unread).
    #[allow(clippy::should_implement_trait)]
    pub fn clone(&self) -> Result<Self> {
        if self.body_used {
            return Err(Error::JsError(
                "TypeError: Body has already been used.".into(),
            ));
        }
        Ok(Request {
            method: self.method.clone(),
            url: self.url.clone(),
            path: self.path.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            body_used: false,
            immutable: self.immutable,
        })
    }

    /// A mutable copy.
    pub fn clone_mut(&self) -> Result<Self> {
        let mut copy = self.clone()?;
        copy.immutable = false;
        Ok(copy)
    }

    /// The request a handler gets: dosim's, made immutable.
    pub(crate) fn from_sim(req: dosim::Request) -> Result<Request> {
        let mut init = RequestInit::new();
        init.with_method(Method::from(req.method().to_string()))
            .with_body(Some(req.body().to_vec()));
        let mut request = Request::new_with_init(req.url(), &init)?;
        for (name, value) in req.headers() {
            request.headers.append(name, value)?;
        }
        request.immutable = true;
        Ok(request)
    }

    /// dosim's request, for a stub; an edited path replaces the URL's.
    pub(crate) fn into_sim(self) -> Result<dosim::Request> {
        if self.body_used {
            return Err(Error::BodyUsed);
        }
        let mut url = self.url;
        url.set_path(&self.path);
        let mut req = dosim::Request::new(self.method.as_ref(), url.as_str()).with_body(self.body);
        for (name, value) in self.headers.entries() {
            req = req.with_header(&name, &value);
        }
        Ok(req)
    }
}
