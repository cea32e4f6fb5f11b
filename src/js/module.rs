//! A JavaScript module as the host runs it: its name and its code, types
//! already stripped. Stripping happens once, when the module is loaded;
//! every instance of every class it exports evaluates the same code.

use std::path::Path;
use std::rc::Rc;

use super::transpile::strip_types;
use crate::runtime::Error;

/// A loaded TypeScript or JavaScript module whose exported classes can be
/// registered as Durable Object classes (see
/// [`Sim::register_js`](crate::Sim::register_js)).
///
/// ```no_run
/// let module = dosim::js::JsModule::typescript("counter.ts", r#"
///     import { DurableObject } from "cloudflare:workers";
///     export class Counter extends DurableObject {
///         async increment(): Promise<number> {
///             const n: number = ((await this.ctx.storage.get("n")) ?? 0) + 1;
///             await this.ctx.storage.put("n", n);
///             return n;
///         }
///     }
/// "#)?;
/// # Ok::<(), dosim::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct JsModule {
    pub(crate) name: Rc<str>,
    pub(crate) code: Rc<str>,
}

impl JsModule {
    /// A TypeScript module: its types are stripped now; a syntax error is a
    /// `SyntaxError` naming the line.
    pub fn typescript(name: &str, source: &str) -> Result<JsModule, Error> {
        let code = strip_types(name, source)?;
        Ok(JsModule {
            name: name.into(),
            code: code.into(),
        })
    }

    /// A JavaScript module, run as written (a syntax error shows when the
    /// first instance is built).
    pub fn javascript(name: &str, source: &str) -> JsModule {
        JsModule {
            name: name.into(),
            code: source.into(),
        }
    }

    /// The module in the file at `path`: TypeScript if it ends in `.ts`
    /// (or `.mts`), JavaScript otherwise.
    pub fn from_file(path: impl AsRef<Path>) -> Result<JsModule, Error> {
        let path = path.as_ref();
        let source = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        match path.extension().and_then(|e| e.to_str()) {
            Some("ts" | "mts") => JsModule::typescript(&name, &source),
            _ => Ok(JsModule::javascript(&name, &source)),
        }
    }

    /// The module's name, as stacks and errors show it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The JavaScript the engine runs.
    pub fn code(&self) -> &str {
        &self.code
    }
}
