//! The attribute's arguments: which client trait, declared here or reused,
//! and which field (if any) answers the methods this block leaves out.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, Path, Token, Visibility};

/// `[vis] Trait` declares a new client trait; `impl path::Trait` reuses an
/// existing one; `, fallback = field` sends unknown methods to a field.
pub(crate) struct Args {
    pub(crate) client: Client,
    pub(crate) fallback: Option<Ident>,
}

/// The client trait the stub implements.
pub(crate) enum Client {
    /// Declare the trait, with this visibility and name.
    Declare(Visibility, Ident),
    /// Implement a trait declared elsewhere (a twin's original's).
    Reuse(Path),
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Args> {
        if input.is_empty() {
            return Err(input.error(
                "name the client trait: #[dosim::rpc_methods(CounterRpc)], \
                 or #[dosim::rpc_methods(impl CounterRpc)] to reuse one",
            ));
        }
        let client = if input.peek(Token![impl]) {
            input.parse::<Token![impl]>()?;
            Client::Reuse(input.parse()?)
        } else {
            let vis: Visibility = input.parse()?;
            Client::Declare(vis, input.parse()?)
        };
        let mut fallback = None;
        while input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            if key != "fallback" {
                return Err(syn::Error::new(
                    key.span(),
                    "unknown option; the only option is `fallback = field`",
                ));
            }
            input.parse::<Token![=]>()?;
            fallback = Some(input.parse()?);
        }
        if !input.is_empty() {
            return Err(input.error("expected `, fallback = field` or the end"));
        }
        Ok(Args { client, fallback })
    }
}
