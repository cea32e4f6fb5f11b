//! The host functions the prelude reaches through the hidden
//! `__dosim_host` object (it takes them and removes the global before user
//! code runs).

use std::rc::Rc;

use rquickjs::{Ctx, Function, Object};

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
    ctx.globals().set("__dosim_host", obj)
}
