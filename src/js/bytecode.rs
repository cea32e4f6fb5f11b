//! JavaScript compiled once per process and read into each isolate.
//!
//! Every activation of a JavaScript object builds a new isolate, and
//! parsing was most of what that cost (see [`super::prelude`]). QuickJS
//! bytecode is a function of the source alone, so a script or module is
//! compiled once, in a runtime of its own, and every isolate after it, in
//! any run on any thread, reads the same bytes. Every isolate reads them,
//! the first one too, so which run compiled them cannot change what any
//! run does. The bytecode keeps its debug information: stacks still name
//! files and lines.

use std::ffi::CString;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex};

use rquickjs::loader::{BuiltinLoader, BuiltinResolver};
use rquickjs::{module, qjs, Context, Ctx, Module, Object, Promise, Runtime, Value};

/// A module's bytecode, or `None` if it does not compile on its own (the
/// isolate then declares it from source, which throws the error).
type Compiled = Option<Arc<[u8]>>;

/// A module compiled so far: its name, its code, and what compiling gave.
type Known = (Box<str>, Box<str>, Compiled);

/// The modules compiled so far. Bounded, because a fuzzer may load
/// endless distinct modules; when full it starts over.
static MODULES: Mutex<Vec<Known>> = Mutex::new(Vec::new());

/// How many modules [`MODULES`] keeps before it starts over.
const MODULES_MAX: usize = 64;

/// Compiles a strict global-scope script without running it.
pub(crate) fn compile_script(name: &str, source: &str) -> Result<Vec<u8>, String> {
    let runtime = Runtime::new().map_err(|e| format!("QuickJS: {e}"))?;
    let context = Context::full(&runtime).map_err(|e| format!("QuickJS: {e}"))?;
    context.with(|ctx| {
        // SAFETY: `ctx` is live for the call; the compiled value is owned
        // here and freed once, after it is written.
        unsafe {
            let raw = ctx.as_raw().as_ptr();
            let file = CString::new(name).map_err(|e| e.to_string())?;
            let code = CString::new(source).map_err(|e| e.to_string())?;
            let flags = qjs::JS_EVAL_TYPE_GLOBAL
                | qjs::JS_EVAL_FLAG_STRICT
                | qjs::JS_EVAL_FLAG_COMPILE_ONLY;
            let function = qjs::JS_Eval(
                raw,
                code.as_ptr(),
                source.len() as _,
                file.as_ptr(),
                flags as i32,
            );
            if is_exception(function) {
                return Err(super::isolate::thrown(ctx.catch()).to_string());
            }
            let mut size = 0;
            let written =
                qjs::JS_WriteObject(raw, &mut size, function, qjs::JS_WRITE_OBJ_BYTECODE as i32);
            qjs::JS_FreeValue(raw, function);
            if written.is_null() {
                return Err(super::isolate::thrown(ctx.catch()).to_string());
            }
            let bytes = std::slice::from_raw_parts(written, size as usize).to_vec();
            qjs::js_free(raw, written.cast());
            Ok(bytes)
        }
    })
}

/// Reads a script's bytecode from [`compile_script`] into `ctx` and runs
/// it; `Err(Exception)` leaves the thrown value in `ctx`.
pub(crate) fn run_script(ctx: &Ctx<'_>, bytes: &[u8]) -> rquickjs::Result<()> {
    // SAFETY: `bytes` came from `JS_WriteObject` of this QuickJS build
    // (trusted input, as `JS_READ_OBJ_BYTECODE` requires); each value
    // returned is owned here and freed or handed on exactly once.
    unsafe {
        let raw = ctx.as_raw().as_ptr();
        let function = read(ctx, bytes)?;
        // `JS_EvalFunction` takes ownership of the function.
        let result = qjs::JS_EvalFunction(raw, function);
        if is_exception(result) {
            return Err(rquickjs::Error::Exception);
        }
        qjs::JS_FreeValue(raw, result);
    }
    Ok(())
}

/// A user module evaluated in an isolate, from bytecode or from source.
pub(crate) enum Evaluated<'js> {
    /// Read from the bytecode of [`module_bytecode`].
    Read(Ctx<'js>, NonNull<qjs::JSModuleDef>),
    /// Declared from source, because it did not compile on its own.
    Declared(Module<'js, module::Evaluated>),
}

impl<'js> Evaluated<'js> {
    /// The module's namespace object (its exports).
    pub(crate) fn namespace(&self) -> rquickjs::Result<Object<'js>> {
        match self {
            Evaluated::Declared(module) => module.namespace(),
            // SAFETY: the module lives in `ctx` until the context is freed.
            Evaluated::Read(ctx, def) => unsafe {
                let raw = ctx.as_raw().as_ptr();
                let namespace = qjs::JS_GetModuleNamespace(raw, def.as_ptr());
                if is_exception(namespace) {
                    return Err(rquickjs::Error::Exception);
                }
                Value::from_raw(ctx.clone(), namespace)
                    .into_object()
                    .ok_or(rquickjs::Error::Unknown)
            },
        }
    }
}

/// Starts evaluating module `name` with `code` in `ctx`, whose loader
/// knows `builtin` (name, code): the module, and the promise of its
/// evaluation. From its bytecode when it compiles; else declared from
/// source, so that its error is thrown in `ctx` as it always was.
pub(crate) fn evaluate_module<'js>(
    ctx: &Ctx<'js>,
    name: &str,
    code: &str,
    builtin: (&str, &str),
) -> rquickjs::Result<(Evaluated<'js>, Promise<'js>)> {
    let Some(bytes) = module_bytecode(name, code, builtin) else {
        let (module, done) = Module::declare(ctx.clone(), name, code)?.eval()?;
        return Ok((Evaluated::Declared(module), done));
    };
    // SAFETY: the bytes came from `Module::write` in this process (trusted
    // input, as `JS_READ_OBJ_BYTECODE` requires). As in rquickjs, the
    // module read stays owned by the context's module list, and the
    // reference `JS_EvalFunction` takes is a new one.
    unsafe {
        let raw = ctx.as_raw().as_ptr();
        let module = read(ctx, &bytes)?;
        let def = NonNull::new(qjs::JS_VALUE_GET_PTR(module).cast::<qjs::JSModuleDef>())
            .ok_or(rquickjs::Error::Unknown)?;
        // Reading does not resolve imports; declaring from source does.
        if qjs::JS_ResolveModule(raw, module) < 0 {
            return Err(rquickjs::Error::Exception);
        }
        let done = qjs::JS_EvalFunction(raw, qjs::JS_DupValue(raw, module));
        if is_exception(done) {
            return Err(rquickjs::Error::Exception);
        }
        let done = Value::from_raw(ctx.clone(), done)
            .into_promise()
            .ok_or(rquickjs::Error::Unknown)?;
        Ok((Evaluated::Read(ctx.clone(), def), done))
    }
}

/// The bytecode of module `name`, compiled on first use with only the
/// `builtin` module (name, code) to import from. Known modules are found
/// by name and code alone: every isolate passes the same `builtin`.
fn module_bytecode(name: &str, code: &str, builtin: (&str, &str)) -> Compiled {
    let known = |m: &Vec<Known>| {
        m.iter()
            .find(|(n, c, _)| **n == *name && **c == *code)
            .map(|(_, _, b)| b.clone())
    };
    if let Some(compiled) = known(&MODULES.lock().unwrap_or_else(|e| e.into_inner())) {
        return compiled;
    }
    // Compiled outside the lock: other threads' isolates go on meanwhile.
    let compiled: Compiled = compile_module(name, code, builtin).map(Arc::from);
    let mut modules = MODULES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(compiled) = known(&modules) {
        return compiled;
    }
    if modules.len() >= MODULES_MAX {
        modules.clear();
    }
    modules.push((name.into(), code.into(), compiled.clone()));
    compiled
}

/// The names of the modules this process compiled, in order (tests
/// count them).
#[cfg(test)]
static COMPILED_NAMES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Compiles a module in a runtime of its own; `None` if it does not.
fn compile_module(name: &str, code: &str, builtin: (&str, &str)) -> Option<Vec<u8>> {
    #[cfg(test)]
    COMPILED_NAMES.lock().unwrap().push(name.to_string());
    let runtime = Runtime::new().ok()?;
    runtime.set_loader(
        BuiltinResolver::default().with_module(builtin.0),
        BuiltinLoader::default().with_module(builtin.0, builtin.1),
    );
    let context = Context::full(&runtime).ok()?;
    context.with(|ctx| {
        let module = Module::declare(ctx.clone(), name, code).ok()?;
        module.write(Default::default()).ok()
    })
}

/// The value `bytes` hold, read into `ctx` (owned by the caller).
///
/// # Safety
/// `bytes` must come from `JS_WriteObject` of this QuickJS build: reading
/// bytecode trusts its input.
unsafe fn read(ctx: &Ctx<'_>, bytes: &[u8]) -> rquickjs::Result<qjs::JSValue> {
    let value = qjs::JS_ReadObject(
        ctx.as_raw().as_ptr(),
        bytes.as_ptr(),
        bytes.len() as _,
        qjs::JS_READ_OBJ_BYTECODE as i32,
    );
    if is_exception(value) {
        return Err(rquickjs::Error::Exception);
    }
    Ok(value)
}

/// Whether a value QuickJS returned says an exception is pending.
///
/// # Safety
/// `value` must be a value QuickJS returned.
unsafe fn is_exception(value: qjs::JSValue) -> bool {
    qjs::JS_VALUE_GET_NORM_TAG(value) == qjs::JS_TAG_EXCEPTION
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN: (&str, &str) = ("cloudflare:workers", "export const one = 1;");

    /// Evaluates module `name` in a new runtime, as a new isolate does:
    /// (read from bytecode, its export `n`).
    fn evaluate_fresh(name: &str, code: &str) -> (bool, i32) {
        let runtime = Runtime::new().unwrap();
        runtime.set_loader(
            BuiltinResolver::default().with_module(BUILTIN.0),
            BuiltinLoader::default().with_module(BUILTIN.0, BUILTIN.1),
        );
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let (module, done) = evaluate_module(&ctx, name, code, BUILTIN).unwrap();
            while ctx.execute_pending_job() {}
            assert!(
                matches!(done.result::<Value>(), Some(Ok(_))),
                "it evaluated"
            );
            let n: i32 = module.namespace().unwrap().get("n").unwrap();
            (matches!(module, Evaluated::Read(..)), n)
        })
    }

    #[test]
    fn a_module_compiles_once_and_every_isolate_reads_its_bytecode() {
        let code = "import { one } from \"cloudflare:workers\";\nexport const n = one + 41;";
        let name = "bytecode-test-once.js";
        for _ in 0..3 {
            assert_eq!(evaluate_fresh(name, code), (true, 42));
        }
        let compiled = COMPILED_NAMES
            .lock()
            .unwrap()
            .iter()
            .filter(|n| *n == name)
            .count();
        assert_eq!(compiled, 1, "three isolates, one compilation");
        assert!(
            MODULES
                .lock()
                .unwrap()
                .iter()
                .any(|(n, c, b)| &**n == name && &**c == code && b.is_some()),
            "its bytecode is kept"
        );
    }

    #[test]
    fn a_module_that_does_not_compile_is_declared_from_source() {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let result =
                evaluate_module(&ctx, "bytecode-test-broken.js", "export const = ;", BUILTIN);
            assert!(
                matches!(result, Err(rquickjs::Error::Exception)),
                "it throws"
            );
            let thrown = super::super::isolate::thrown(ctx.catch());
            assert_eq!(thrown.name(), "SyntaxError", "{thrown}");
        });
    }
}
