//! The attribute macros of dosim. Use them through the `dosim` crate
//! (`#[dosim::rpc_methods(..)]`), whose documentation shows them at work;
//! the generated code names only `::dosim` paths.
//!
//! A procedural macro, rather than `macro_rules!`, so that the methods stay
//! ordinary Rust that rustfmt formats, and so that a signature is read by
//! its meaning (any path ending in `Result`, borrowed arguments) instead of
//! by the tokens it happens to be spelled with.

#![deny(missing_docs)]

mod args;
mod expand;
mod method;

use proc_macro::TokenStream;

/// Makes the `async fn(&self, ..) -> Result<T>` methods of an `impl` block
/// RPC methods: callable through a typed client trait on `Stub<Type>`, and
/// dispatched by the runtime. See `dosim::rpc_methods` for the full story.
#[proc_macro_attribute]
pub fn rpc_methods(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(attr as args::Args);
    let block = syn::parse_macro_input!(item as syn::ItemImpl);
    match expand::expand(args, block) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
