//! One RPC method's signature, read for what the generated code needs: the
//! arguments as the client passes them and as the object decodes them, and
//! the `T` of its `Result<T>`.
//!
//! Arguments cross the network serialised, so the object side needs owned
//! types. A top-level borrow (`&str`, `&[u8]`, `&T`) is accepted: the client
//! serialises what it borrows, the object decodes the owned form (`String`,
//! `Vec<u8>`, `T`) and lends it to the method. A borrow nested inside
//! another type cannot be decoded, so it is a compile error that says what
//! to write instead.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Ident, ImplItemFn, Pat, PathArguments, ReturnType, Type};

/// An RPC method of the block.
pub(crate) struct Method {
    pub(crate) name: Ident,
    pub(crate) docs: Vec<syn::Attribute>,
    pub(crate) args: Vec<Arg>,
    pub(crate) ret: Type,
}

/// One argument of an RPC method.
pub(crate) struct Arg {
    pub(crate) name: Ident,
    /// The type the client passes (borrows with their lifetimes elided).
    pub(crate) client: Type,
    /// The type the object decodes.
    pub(crate) owned: Type,
    /// Whether the method takes it by reference (decoded, then lent).
    pub(crate) lent: bool,
}

/// Whether `f` is an RPC method: an `async fn` taking `&self`. Anything
/// else in the block is an ordinary method.
pub(crate) fn is_rpc(f: &ImplItemFn) -> bool {
    f.sig.asyncness.is_some()
        && matches!(f.sig.inputs.first(), Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none())
}

impl Method {
    /// Reads `f`'s signature; an error points at what cannot cross the
    /// network or is not `Result<T>`.
    pub(crate) fn read(f: &ImplItemFn) -> syn::Result<Method> {
        let sig = &f.sig;
        if !sig.generics.params.is_empty() {
            return Err(syn::Error::new(
                sig.generics.span(),
                "an RPC method cannot be generic: its arguments are decoded by name at run time",
            ));
        }
        let mut args = Vec::new();
        for input in sig.inputs.iter().skip(1) {
            let FnArg::Typed(typed) = input else {
                continue;
            };
            let Pat::Ident(pat) = &*typed.pat else {
                return Err(syn::Error::new(
                    typed.pat.span(),
                    "an RPC argument needs a plain name (`name: Type`)",
                ));
            };
            args.push(Arg::read(pat.ident.clone(), &typed.ty)?);
        }
        let ret = result_value(&sig.output)?;
        refuse_nested_borrow(&ret, &ret)?;
        Ok(Method {
            name: sig.ident.clone(),
            docs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("doc"))
                .cloned()
                .collect(),
            args,
            ret,
        })
    }
}

impl Arg {
    fn read(name: Ident, ty: &Type) -> syn::Result<Arg> {
        let Type::Reference(r) = ty else {
            refuse_nested_borrow(ty, ty)?;
            return Ok(Arg {
                name,
                client: ty.clone(),
                owned: ty.clone(),
                lent: false,
            });
        };
        if r.mutability.is_some() {
            return Err(syn::Error::new(
                ty.span(),
                "an RPC argument cannot be `&mut`: the object gets a copy, so changes would not reach the caller",
            ));
        }
        refuse_nested_borrow(&r.elem, ty)?;
        let owned: Type = match &*r.elem {
            Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => {
                syn::parse_quote!(::std::string::String)
            }
            Type::Slice(s) => {
                let elem = &s.elem;
                syn::parse_quote!(::std::vec::Vec<#elem>)
            }
            other => other.clone(),
        };
        let elem = &r.elem;
        Ok(Arg {
            name,
            client: syn::parse_quote!(&#elem),
            owned,
            lent: true,
        })
    }
}

/// The `T` of a return type `Result<T>` / `dosim::Result<T>` /
/// `Result<T, E>`.
fn result_value(output: &ReturnType) -> syn::Result<Type> {
    const WANTED: &str =
        "an RPC method returns `Result<T>` (dosim's `Result`, or `Result<T, dosim::Error>`)";
    let ReturnType::Type(_, ty) = output else {
        return Err(syn::Error::new(Span::call_site(), WANTED));
    };
    let Type::Path(p) = &**ty else {
        return Err(syn::Error::new(ty.span(), WANTED));
    };
    let Some(last) = p.path.segments.last() else {
        return Err(syn::Error::new(ty.span(), WANTED));
    };
    if last.ident != "Result" {
        return Err(syn::Error::new(ty.span(), WANTED));
    }
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return Err(syn::Error::new(ty.span(), WANTED));
    };
    match generics.args.first() {
        Some(GenericArgument::Type(t)) => Ok(t.clone()),
        _ => Err(syn::Error::new(ty.span(), WANTED)),
    }
}

/// An error if `ty` holds a borrow anywhere inside: such a value cannot be
/// decoded on the other side of the network.
fn refuse_nested_borrow(ty: &Type, whole: &Type) -> syn::Result<()> {
    let refuse = || {
        Err(syn::Error::new(
            whole.span(),
            "an RPC value crosses the network and is decoded into an owned value: \
             write `String` for `&str` and `Vec<T>` for `&[T]` inside other types",
        ))
    };
    match ty {
        Type::Reference(_) => refuse(),
        Type::Path(p) => {
            for seg in &p.path.segments {
                if let PathArguments::AngleBracketed(a) = &seg.arguments {
                    for arg in &a.args {
                        match arg {
                            GenericArgument::Type(t) => refuse_nested_borrow(t, whole)?,
                            GenericArgument::Lifetime(_) => return refuse(),
                            _ => {}
                        }
                    }
                }
            }
            Ok(())
        }
        Type::Tuple(t) => t
            .elems
            .iter()
            .try_for_each(|e| refuse_nested_borrow(e, whole)),
        Type::Array(a) => refuse_nested_borrow(&a.elem, whole),
        Type::Slice(s) => refuse_nested_borrow(&s.elem, whole),
        Type::Paren(p) => refuse_nested_borrow(&p.elem, whole),
        Type::Group(g) => refuse_nested_borrow(&g.elem, whole),
        _ => Ok(()),
    }
}
