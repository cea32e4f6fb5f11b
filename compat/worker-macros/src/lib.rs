//! `#[durable_object]` and `#[event(fetch)]` of dosim's workers-rs mirror.
//!
//! They keep the item as written and add what makes it run under dosim:
//! `#[durable_object]` implements dosim's `DurableObject` for the struct
//! by calling its workers-rs handlers, and `#[event(fetch)]` adds a unit
//! struct `WorkerEntry` implementing dosim's `Worker` by calling the
//! function. Every path goes through `::worker::__private`, so the user's
//! crate needs only `worker` (this mirror under that name).

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::{parse_macro_input, Error, Item, ItemFn, ItemStruct};

/// Marks a struct as a Durable Object class (put it on the struct, as in
/// workers-rs 0.8; `impl DurableObject for T` is written without it).
/// The argument (`fetch`, `alarm`, `websocket`) is accepted and changes
/// nothing: dosim delivers every event the class handles.
#[proc_macro_attribute]
pub fn durable_object(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = proc_macro2::TokenStream::from(attr);
    if let Err(e) = check_durable_object_arg(attr) {
        return e.to_compile_error().into();
    }
    let item = parse_macro_input!(item as Item);
    match item {
        Item::Struct(s) => durable_object_struct(s).into(),
        Item::Impl(i) => Error::new_spanned(
            i.impl_token,
            "The #[durable_object] macro is no longer required for `impl` blocks, and can be removed",
        )
        .to_compile_error()
        .into(),
        other => Error::new_spanned(other, "#[durable_object] goes on a struct")
            .to_compile_error()
            .into(),
    }
}

fn check_durable_object_arg(attr: proc_macro2::TokenStream) -> syn::Result<()> {
    if attr.is_empty() {
        return Ok(());
    }
    let ident: syn::Ident = syn::parse2(attr)?;
    match ident.to_string().as_str() {
        "fetch" | "alarm" | "websocket" => Ok(()),
        _ => Err(Error::new(
            ident.span(),
            "expected `fetch`, `alarm` or `websocket` (or no argument)",
        )),
    }
}

fn durable_object_struct(s: ItemStruct) -> proc_macro2::TokenStream {
    let name = &s.ident;
    if !s.generics.params.is_empty() {
        return Error::new_spanned(&s.generics, "a Durable Object class cannot be generic")
            .to_compile_error();
    }
    let p = quote!(::worker::__private);
    quote! {
        #s

        impl ::worker::has_durable_object_attribute for #name {}

        impl #p::dosim::DurableObject for #name {
            fn new(state: #p::dosim::State, env: #p::dosim::Env) -> Self {
                #p::new::<#name>(state, env)
            }

            async fn fetch(&self, req: #p::dosim::Request) -> #p::dosim::Result<#p::dosim::Response> {
                #p::fetch(self, req).await
            }

            async fn alarm(&self, _info: #p::dosim::AlarmInfo) -> #p::dosim::Result<()> {
                #p::alarm(self).await
            }

            async fn websocket_message(
                &self,
                ws: #p::dosim::WebSocket,
                message: #p::dosim::Message,
            ) -> #p::dosim::Result<()> {
                #p::websocket_message(self, ws, message).await
            }

            async fn websocket_close(
                &self,
                ws: #p::dosim::WebSocket,
                code: u16,
                reason: ::std::string::String,
                was_clean: bool,
            ) -> #p::dosim::Result<()> {
                #p::websocket_close(self, ws, code, reason, was_clean).await
            }

            async fn websocket_error(
                &self,
                ws: #p::dosim::WebSocket,
                error: #p::dosim::Error,
            ) -> #p::dosim::Result<()> {
                #p::websocket_error(self, ws, error).await
            }
        }

        impl #p::dosim::RpcTarget for #name {}
    }
}

/// Marks a Worker's entry: `#[event(fetch)]` (or `#[event(fetch,
/// respond_with_errors)]`) on `async fn(Request, Env, Context) ->
/// Result<Response>`. Under dosim it also defines `pub struct
/// WorkerEntry`, the Worker class to bind with `sim.worker::<WorkerEntry>(name)`.
/// The other events of workers-rs (`scheduled`, `queue`, `start`, …) are
/// not mirrored yet and fail to compile, naming the event.
#[proc_macro_attribute]
pub fn event(attr: TokenStream, item: TokenStream) -> TokenStream {
    let parser = syn::punctuated::Punctuated::<syn::Ident, syn::Token![,]>::parse_terminated;
    let args = parse_macro_input!(attr with parser);
    let item = parse_macro_input!(item as ItemFn);
    let mut kind = None;
    let mut respond_with_errors = false;
    for arg in &args {
        match arg.to_string().as_str() {
            "respond_with_errors" => respond_with_errors = true,
            "fetch" if kind.is_none() => kind = Some(arg.clone()),
            other => {
                let message = format!(
                    "dosim-worker mirrors #[event(fetch)] only; `{other}` is not mirrored yet"
                );
                return Error::new(arg.span(), message).to_compile_error().into();
            }
        }
    }
    if kind.is_none() {
        return Error::new(Span::call_site(), "expected #[event(fetch)]")
            .to_compile_error()
            .into();
    }
    if item.sig.asyncness.is_none() || item.sig.inputs.len() != 3 {
        return Error::new_spanned(
            &item.sig,
            "#[event(fetch)] goes on `async fn(Request, Env, Context) -> Result<Response>`",
        )
        .to_compile_error()
        .into();
    }
    let name = &item.sig.ident;
    let p = quote!(::worker::__private);
    quote! {
        #item

        /// The Worker class of this crate's `#[event(fetch)]` function.
        #[derive(Default)]
        pub struct WorkerEntry;

        impl #p::dosim::platform::worker::Worker for WorkerEntry {
            async fn fetch(
                &self,
                req: #p::dosim::Request,
                env: #p::dosim::Env,
                ctx: #p::dosim::platform::worker::Context,
            ) -> #p::dosim::Result<#p::dosim::Response> {
                #p::worker_fetch(#name, req, env, ctx, #respond_with_errors).await
            }
        }
    }
    .into()
}
