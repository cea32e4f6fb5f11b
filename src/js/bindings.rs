//! The host functions the prelude reaches through the hidden
//! `__dosim_host` object (it takes them and removes the global before user
//! code runs).

use std::rc::Rc;

use rquickjs::{Ctx, Function, Object, Value};

use super::host::Host;
use super::isolate::throw;

/// Puts `__dosim_host` on the global object of `ctx`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, host: &Rc<Host>) -> rquickjs::Result<()> {
    let obj = Object::new(ctx.clone())?;
    let h = host.clone();
    obj.set(
        "start",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, kind: String, args: String| -> rquickjs::Result<f64> {
                h.start(&kind, &args)
                    .map(|id| id as f64)
                    .map_err(|e| throw(&ctx, &e))
            },
        )?,
    )?;
    let h = host.clone();
    obj.set(
        "call",
        Function::new(ctx.clone(), move |kind: String, args: String| {
            h.call(&kind, &args)
        })?,
    )?;
    let h = host.clone();
    obj.set("now", Function::new(ctx.clone(), move || h.now_ms())?)?;
    let h = host.clone();
    obj.set("random", Function::new(ctx.clone(), move || h.random())?)?;
    let h = host.clone();
    obj.set(
        "log",
        Function::new(ctx.clone(), move |level: String, text: String| {
            h.log(&level, &text)
        })?,
    )?;
    let h = host.clone();
    obj.set(
        "done",
        Function::new(ctx.clone(), move |call: f64| h.finish(call as u64))?,
    )?;
    let h = host.clone();
    obj.set(
        "transactionSync",
        Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>, body: Function<'js>| -> rquickjs::Result<Value<'js>> {
                transaction_sync(&ctx, &h, body)
            },
        )?,
    )?;
    ctx.globals().set("__dosim_host", obj)
}

/// Runs `body` as a synchronous transaction: its writes are kept if it
/// returns, rolled back if it throws, and what it threw is thrown again.
fn transaction_sync<'js>(
    ctx: &Ctx<'js>,
    host: &Host,
    body: Function<'js>,
) -> rquickjs::Result<Value<'js>> {
    let mut thrown = None;
    let result = host
        .state
        .storage()
        .transaction_sync(|| match body.call::<_, Value>(()) {
            Ok(value) => Ok(value),
            Err(rquickjs::Error::Exception) => {
                thrown = Some(ctx.catch());
                Err(crate::Error::new("the transaction's function threw"))
            }
            Err(e) => Err(crate::Error::new(e.to_string())),
        });
    match (result, thrown) {
        (Ok(value), _) => Ok(value),
        (Err(_), Some(value)) => Err(ctx.throw(value)),
        (Err(e), None) => Err(throw(ctx, &e)),
    }
}
