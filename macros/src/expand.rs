//! The code `#[rpc_methods]` writes around an `impl` block.
//!
//! Three pieces, so that a buggy twin can reuse its original's:
//! - the client trait, whose methods have default bodies that go through a
//!   hidden supertrait every `Stub<T>` implements: `impl Trait for
//!   Stub<Twin> {}` needs nothing more;
//! - a by-reference dispatcher (`RpcMethods`) on the class, which a twin
//!   wrapping the class in a field falls back to for the methods it leaves
//!   out;
//! - the `RpcTarget` dispatch the runtime calls, which matches the names
//!   itself and hands the rest to that dispatcher.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl};

use crate::args::{Args, Client};
use crate::method::{is_rpc, Method};

/// Expands the attribute on `block`.
pub(crate) fn expand(args: Args, block: ItemImpl) -> syn::Result<TokenStream> {
    if let Some((_, path, _)) = &block.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "put #[dosim::rpc_methods] on an inherent block (`impl Counter { .. }`), not a trait impl",
        ));
    }
    if !block.generics.params.is_empty() {
        return Err(syn::Error::new(
            block.generics.span(),
            "an object class with RPC methods cannot be generic",
        ));
    }
    let methods = block
        .items
        .iter()
        .filter_map(|item| match item {
            ImplItem::Fn(f) if is_rpc(f) => Some(Method::read(f)),
            _ => None,
        })
        .collect::<syn::Result<Vec<_>>>()?;
    let ty = &block.self_ty;
    let client = client_trait(&args.client, ty, &methods);
    let dispatch = dispatcher(ty, &methods, args.fallback.as_ref());
    Ok(quote! {
        #block
        #client
        #dispatch
    })
}

/// The client trait (declared or reused) and its implementation for
/// `Stub<ty>`.
fn client_trait(client: &Client, ty: &syn::Type, methods: &[Method]) -> TokenStream {
    let (vis, name) = match client {
        Client::Reuse(path) => return quote! { impl #path for ::dosim::Stub<#ty> {} },
        Client::Declare(vis, name) => (vis, name),
    };
    let fns = methods.iter().map(|m| {
        let (docs, fn_name, ret) = (&m.docs, &m.name, &m.ret);
        let names: Vec<_> = m.args.iter().map(|a| &a.name).collect();
        let types = m.args.iter().map(|a| &a.client);
        let method = fn_name.to_string();
        quote! {
            #(#docs)*
            fn #fn_name(&self #(, #names: #types)*) -> ::dosim::RpcFuture<#ret> {
                ::dosim::__private::RpcCall::rpc_call(self, #method, &(#(#names,)*))
            }
        }
    });
    let doc = format!(
        "Calls to the RPC methods of [`{}`], through its [`Stub`](::dosim::Stub).",
        quote!(#ty).to_string().replace(' ', "")
    );
    quote! {
        #[doc = #doc]
        #vis trait #name: ::dosim::__private::RpcCall {
            #(#fns)*
        }
        impl #name for ::dosim::Stub<#ty> {}
    }
}

/// The by-reference dispatcher and the runtime's `RpcTarget`.
///
/// Both match the method name themselves. The runtime's dispatch could go
/// through the by-reference one (a future that owns the object and awaits
/// the borrowing one), but that costs every call a second boxed future
/// and a second poll; only the names left to the fallback take that way.
fn dispatcher(ty: &syn::Type, methods: &[Method], fallback: Option<&syn::Ident>) -> TokenStream {
    let by_ref = arms(methods, &quote!(self));
    let owning = arms(methods, &quote!(&this));
    let other = match fallback {
        Some(field) => quote! {
            ::dosim::__private::RpcMethods::dispatch_ref(&self.#field, method, args)
        },
        None => quote! { ::dosim::__private::no_such_method(method) },
    };
    let other_owning = match fallback {
        Some(_) => quote! { ::dosim::__private::dispatch_owned(this, method, args) },
        None => quote! { ::dosim::__private::no_such_method(&method) },
    };
    quote! {
        impl ::dosim::__private::RpcMethods for #ty {
            #[allow(unused_variables)]
            fn dispatch_ref<'a>(
                &'a self,
                method: &'a str,
                args: ::dosim::__private::Payload,
            ) -> ::dosim::__private::LocalBoxFuture<'a, ::dosim::Result<::dosim::__private::Payload>> {
                match method {
                    #(#by_ref)*
                    _ => #other,
                }
            }
        }
        impl ::dosim::RpcTarget for #ty {
            #[allow(unused_variables)]
            fn dispatch(
                this: ::std::rc::Rc<Self>,
                method: ::std::borrow::Cow<'static, str>,
                args: ::dosim::__private::Payload,
            ) -> ::dosim::__private::LocalBoxFuture<'static, ::dosim::Result<::dosim::__private::Payload>> {
                match &*method {
                    #(#owning)*
                    _ => #other_owning,
                }
            }
        }
    }
}

/// One match arm per method: decode the arguments, call the method on
/// `receiver` (`self`, or `&this` for an `Rc<Self>`), encode the result.
fn arms(methods: &[Method], receiver: &TokenStream) -> Vec<TokenStream> {
    methods
        .iter()
        .map(|m| {
            let (fn_name, ret) = (&m.name, &m.ret);
            let method = fn_name.to_string();
            let vars: Vec<_> = (0..m.args.len()).map(|i| format_ident!("arg{i}")).collect();
            let owned = m.args.iter().map(|a| &a.owned);
            let passed =
                m.args
                    .iter()
                    .zip(&vars)
                    .map(|(a, v)| if a.lent { quote!(&#v) } else { quote!(#v) });
            quote! {
                #method => ::std::boxed::Box::pin(async move {
                    let (#(#vars,)*): (#(#owned,)*) =
                        ::dosim::__private::decode_args(&args, #method)?;
                    let out: #ret = Self::#fn_name(#receiver #(, #passed)*).await?;
                    ::dosim::__private::encode_result(&out, #method)
                }),
            }
        })
        .collect()
}
