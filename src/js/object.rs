//! A JavaScript object as the runtime holds it: a [`DurableObject`] whose
//! every event is a call into its isolate.

use std::rc::Rc;

use futures::future::LocalBoxFuture;
use serde::Deserialize;

use super::call::{JsCall, Start};
use super::host::Host;
use super::isolate::{Isolate, Placement};
use super::module::JsModule;
use crate::runtime::object::ErasedObject;
use crate::runtime::payload::Payload;
use crate::runtime::{
    AlarmInfo, DurableObject, Env, Error, Message, Request, Response, Result, RpcTarget, State,
    WebSocket,
};

/// A Durable Object written in JavaScript or TypeScript: the class of
/// every namespace registered with
/// [`Sim::register_js`](crate::Sim::register_js). Its stubs call methods
/// by name with JSON arguments ([`Stub::call_js`](crate::Stub::call_js)).
pub struct JsObject {
    /// The isolate, or why it could not be built (every event gets it).
    isolate: std::result::Result<Rc<Isolate>, Error>,
}

impl JsObject {
    /// Builds class `class` of `module` for the instance `state` belongs to.
    pub(crate) fn build(
        module: &JsModule,
        class: &str,
        binding: &str,
        state: State,
        env: Env,
    ) -> JsObject {
        let placement = Placement {
            class,
            binding,
            id_hex: state.id().to_hex(),
            id_name: state.id().name().map(str::to_string),
        };
        let host = Host::new(state, env);
        JsObject {
            isolate: Isolate::new(module, placement, host),
        }
    }

    /// The factory of a namespace of class `class` of `module`.
    pub(crate) fn factory(
        module: JsModule,
        class: String,
        binding: String,
    ) -> crate::runtime::runtime::Factory {
        Rc::new(move |state: State, env: Env| -> Rc<dyn ErasedObject> {
            Rc::new(JsObject::build(&module, &class, &binding, state, env))
        })
    }

    /// The isolate, or why there is none.
    fn isolate(&self) -> Result<&Rc<Isolate>> {
        self.isolate.as_ref().map_err(Clone::clone)
    }

    /// A call of handler `kind` with JSON `args`; its result's JSON text.
    fn run(
        &self,
        kind: &'static str,
        name: &str,
        args: String,
    ) -> LocalBoxFuture<'static, Result<String>> {
        match &self.isolate {
            Ok(isolate) => Box::pin(JsCall::new(
                isolate.clone(),
                Start {
                    kind,
                    name: name.to_string(),
                    args,
                },
            )),
            Err(e) => {
                let e = e.clone();
                Box::pin(async move { Err(e) })
            }
        }
    }
}

impl DurableObject for JsObject {
    fn new(_state: State, _env: Env) -> Self {
        JsObject {
            isolate: Err(Error::type_error(
                "a JsObject namespace needs its module: register it with Sim::register_js",
            )),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let args = serde_json::json!({
            "method": req.method(),
            "url": req.url(),
            "headers": req.headers().collect::<Vec<_>>(),
            "body": String::from_utf8_lossy(req.body()),
        });
        let text = self.run("fetch", "", args.to_string()).await?;
        let answer: Answer = serde_json::from_str(&text)
            .map_err(|e| Error::new(format!("a JavaScript Response did not parse: {e}")))?;
        if let Some(socket) = answer.web_socket {
            let client = self.isolate()?.host.sockets.take_client(socket)?;
            return Ok(Response::websocket(client));
        }
        let mut resp = Response::new(answer.status, answer.body);
        for (name, value) in &answer.headers {
            resp = resp.with_header(name, value);
        }
        Ok(resp)
    }

    async fn alarm(&self, info: AlarmInfo) -> Result<()> {
        let args =
            serde_json::json!([{ "retryCount": info.retry_count, "isRetry": info.is_retry }]);
        self.run("alarm", "", args.to_string()).await.map(drop)
    }

    async fn websocket_message(&self, ws: WebSocket, message: Message) -> Result<()> {
        let socket = self.isolate()?.host.sockets.hold(ws);
        let message = match message {
            Message::Text(text) => serde_json::Value::String(text),
            Message::Binary(bytes) => serde_json::json!({ "binary": bytes }),
        };
        let args = serde_json::json!([socket, message]);
        self.run("webSocketMessage", "", args.to_string())
            .await
            .map(drop)
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        code: u16,
        reason: String,
        was_clean: bool,
    ) -> Result<()> {
        let socket = self.isolate()?.host.sockets.hold(ws);
        let args = serde_json::json!([socket, code, reason, was_clean]);
        self.run("webSocketClose", "", args.to_string())
            .await
            .map(drop)
    }

    async fn websocket_error(&self, ws: WebSocket, error: Error) -> Result<()> {
        let socket = self.isolate()?.host.sockets.hold(ws);
        let args = serde_json::json!([socket, error.message()]);
        self.run("webSocketError", "", args.to_string())
            .await
            .map(drop)
    }
}

impl RpcTarget for JsObject {
    fn dispatch(
        this: Rc<Self>,
        method: std::borrow::Cow<'static, str>,
        args: Payload,
    ) -> LocalBoxFuture<'static, Result<Payload>> {
        let args = match String::from_utf8(args.into_vec()) {
            Ok(text) if text == "null" => "[]".to_string(),
            Ok(text) => text,
            Err(e) => return Box::pin(async move { Err(Error::data_clone(e.to_string())) }),
        };
        let call = this.run("rpc", &method, args);
        Box::pin(async move { Ok(Payload::from_vec(call.await?.into_bytes())) })
    }
}

#[derive(Deserialize)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    #[serde(rename = "webSocket", default)]
    web_socket: Option<u64>,
}
