//! Errors in user JavaScript arrive as clear errors with the JavaScript
//! stack, and never stop the harness; values cross storage and RPC by
//! structured clone, refusing what cannot be cloned as workerd does.

// Only its TypeScript helpers are used here.
#[allow(dead_code)]
mod common;

use dosim::js::JsModule;
use dosim::Sim;
use serde_json::{json, Value};

const OBJECTS: &str = r#"
import { DurableObject } from "cloudflare:workers";

export class Faulty extends DurableObject {
  async boom(): Promise<void> {
    await this.ctx.storage.get("x");
    throw new Error("boom at the second step");
  }
  nullDeref(): number {
    const missing: any = null;
    return missing.length;
  }
  giveFunction(): unknown {
    return () => 1;
  }
  spin(): void {
    for (;;) {}
  }
  async ok(): Promise<string> {
    return "fine";
  }
}

export class Clone extends DurableObject {
  async store(): Promise<void> {
    await this.ctx.storage.put("v", {
      when: new Date(1700000000000),
      names: new Map([["a", 1], ["b", 2]]),
      tags: new Set(["x", "y"]),
      bytes: new Uint8Array([1, 2, 255]),
      missing: undefined,
      nested: { deep: [1, { deeper: true }] },
      big: 12345678901234567890n,
      odd: [NaN, -0, Infinity],
    });
  }
  async check(): Promise<string[]> {
    const v: any = await this.ctx.storage.get("v");
    const failed: string[] = [];
    const want = (ok: boolean, what: string) => { if (!ok) failed.push(what); };
    want(v.when instanceof Date && v.when.getTime() === 1700000000000, "Date");
    want(v.names instanceof Map && v.names.get("b") === 2, "Map");
    want(v.tags instanceof Set && v.tags.has("y"), "Set");
    want(v.bytes instanceof Uint8Array && v.bytes[2] === 255, "Uint8Array");
    want("missing" in v && v.missing === undefined, "undefined");
    want(v.nested.deep[1].deeper === true, "nested");
    want(v.big === 12345678901234567890n, "BigInt");
    want(Number.isNaN(v.odd[0]) && Object.is(v.odd[1], -0) && v.odd[2] === Infinity, "numbers");
    return failed;
  }
  async storeFunction(): Promise<string> {
    try {
      await this.ctx.storage.put("f", { f() {} });
      return "stored";
    } catch (e: any) {
      return `${e.name}: ${e.message}`;
    }
  }
  echo(value: unknown): unknown {
    return value;
  }
}
"#;

/// Runs `body` once, fault-free, with the module above loaded.
fn once<F, Fut>(name: &str, body: F)
where
    F: Fn(Sim, JsModule) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = dosim::Result<()>> + 'static,
{
    common::js::once_with_module(name, "objects.ts", OBJECTS, body);
}

/// The stub of object "a" of class `A` in JavaScript module `file` (its
/// `code`), bound as `binding`.
fn class_a(
    sim: &Sim,
    binding: &str,
    file: &str,
    code: &str,
) -> dosim::Result<dosim::Stub<dosim::js::JsObject>> {
    let module = JsModule::javascript(file, code);
    Ok(sim.register_js(binding, &module, "A")?.get_by_name("a"))
}

/// The errors of two calls of method `m` on `stub`, which must both fail.
async fn two_failures(stub: &dosim::Stub<dosim::js::JsObject>) -> [dosim::Error; 2] {
    let mut errors = Vec::new();
    for _ in 0..2 {
        errors.push(stub.call_js::<Value>("m", json!([])).await.unwrap_err());
    }
    errors.try_into().expect("two calls")
}

#[test]
fn a_throw_arrives_with_its_message_and_stack() {
    once("js_throw", |sim, module| async move {
        let stub = sim
            .register_js("FAULTY", &module, "Faulty")?
            .get_by_name("a");
        let e = stub.call_js::<Value>("boom", json!([])).await.unwrap_err();
        assert_eq!(e.name(), "Error");
        assert!(e.message().contains("boom at the second step"), "{e}");
        assert!(
            e.message().contains("at boom (objects.ts"),
            "no JS stack: {e}"
        );
        // The object goes on serving.
        assert_eq!(stub.call_js::<String>("ok", json!([])).await?, "fine");
        Ok(())
    });
}

#[test]
fn a_type_error_arrives_as_a_type_error() {
    once("js_type_error", |sim, module| async move {
        let stub = sim
            .register_js("FAULTY", &module, "Faulty")?
            .get_by_name("a");
        let e = stub
            .call_js::<Value>("nullDeref", json!([]))
            .await
            .unwrap_err();
        assert_eq!(e.name(), "TypeError", "{e}");
        assert!(e.message().contains("nullDeref"), "no JS stack: {e}");
        // The prelude runs from bytecode compiled once per process; its
        // frames still name their script and line.
        let frame = e.message().split("at invoke (dosim:workers:").nth(1);
        assert!(
            frame.is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit())),
            "the prelude's frame lost its script or line: {e}"
        );
        Ok(())
    });
}

#[test]
fn a_missing_method_is_workerds_type_error() {
    once("js_missing_method", |sim, module| async move {
        let stub = sim
            .register_js("FAULTY", &module, "Faulty")?
            .get_by_name("a");
        let e = stub.call_js::<Value>("nope", json!([])).await.unwrap_err();
        assert_eq!(e.name(), "TypeError");
        assert!(
            e.message()
                .contains(r#"does not implement the method "nope""#),
            "{e}"
        );
        Ok(())
    });
}

#[test]
fn a_typescript_syntax_error_names_the_line() {
    let e = JsModule::typescript(
        "broken.ts",
        "export class A {\n  m(): number { return 1 +; }\n}\n",
    )
    .unwrap_err();
    assert_eq!(e.name(), "SyntaxError");
    assert!(e.message().contains("broken.ts"), "{e}");
    assert!(e.message().contains("return 1 +"), "the line is shown: {e}");
}

#[test]
fn a_javascript_syntax_error_fails_each_call_and_the_harness_goes_on() {
    once("js_syntax_error", |sim, _| async move {
        let stub = class_a(
            &sim,
            "BROKEN",
            "broken.js",
            "export class A { m() { return 1 +; } }",
        )?;
        for e in two_failures(&stub).await {
            assert_eq!(e.name(), "SyntaxError", "{e}");
        }
        Ok(())
    });
}

#[test]
fn an_import_of_an_unknown_module_fails_each_call_and_names_it() {
    once("js_unknown_import", |sim, _| async move {
        let stub = class_a(
            &sim,
            "IMPORTS",
            "imports.js",
            "import { x } from \"nowhere:at-all\";\nexport class A { m() { return x; } }",
        )?;
        for e in two_failures(&stub).await {
            assert!(e.message().contains("nowhere:at-all"), "{e}");
        }
        Ok(())
    });
}

#[test]
fn a_module_whose_top_level_throws_fails_each_call_with_its_error() {
    once("js_top_level_throw", |sim, _| async move {
        let stub = class_a(
            &sim,
            "THROWS",
            "throws.js",
            "export class A { m() { return 1; } }\nthrow new RangeError(\"not at load time\");",
        )?;
        for e in two_failures(&stub).await {
            assert_eq!(e.name(), "RangeError", "{e}");
            assert!(e.message().contains("not at load time"), "{e}");
            assert!(
                e.message().contains("throws.js:2"),
                "the line is named: {e}"
            );
        }
        Ok(())
    });
}

#[test]
fn a_top_level_await_on_a_settled_promise_loads() {
    once("js_top_level_await", |sim, _| async move {
        let stub = class_a(
            &sim,
            "AWAITS",
            "awaits.js",
            "const n = await Promise.resolve(41);\nexport class A { m() { return n + 1; } }",
        )?;
        assert_eq!(stub.call_js::<u64>("m", json!([])).await?, 42);
        Ok(())
    });
}

#[test]
fn many_distinct_modules_each_run_their_own_code() {
    // More modules than the process keeps compiled, so the cache of
    // compiled modules starts over at least once on the way.
    once("js_many_modules", |sim, _| async move {
        for i in 0..70 {
            let code = format!("export class A {{ m() {{ return {i}; }} }}");
            let stub = class_a(&sim, &format!("MANY_{i}"), "many.js", &code)?;
            assert_eq!(stub.call_js::<u64>("m", json!([])).await?, i);
        }
        Ok(())
    });
}

#[test]
fn a_class_the_module_does_not_export_is_named() {
    once("js_missing_class", |sim, module| async move {
        let stub = sim.register_js("X", &module, "Nope")?.get_by_name("a");
        let e = stub.call_js::<Value>("ok", json!([])).await.unwrap_err();
        assert!(e.message().contains(r#"no class "Nope""#), "{e}");
        assert!(
            e.message().contains("Faulty, Clone") || e.message().contains("Clone, Faulty"),
            "{e}"
        );
        Ok(())
    });
}

#[test]
fn an_endless_loop_is_stopped_not_hung() {
    once("js_endless_loop", |sim, module| async move {
        let stub = sim
            .register_js("FAULTY", &module, "Faulty")?
            .get_by_name("a");
        let e = stub.call_js::<Value>("spin", json!([])).await.unwrap_err();
        assert!(e.message().contains("endless loop"), "{e}");
        Ok(())
    });
}

#[test]
fn storage_keeps_what_structured_clone_keeps() {
    once("js_clone_storage", |sim, module| async move {
        let stub = sim.register_js("CLONE", &module, "Clone")?.get_by_name("a");
        stub.call_js::<Value>("store", json!([])).await?;
        let failed: Vec<String> = stub.call_js("check", json!([])).await?;
        assert!(failed.is_empty(), "lost in storage: {failed:?}");
        let refused: String = stub.call_js("storeFunction", json!([])).await?;
        assert_eq!(refused, "DataCloneError: f() {} could not be cloned.");
        Ok(())
    });
}

#[test]
fn rpc_refuses_a_function_and_passes_json_through() {
    once("js_clone_rpc", |sim, module| async move {
        let faulty = sim
            .register_js("FAULTY", &module, "Faulty")?
            .get_by_name("a");
        let e = faulty
            .call_js::<Value>("giveFunction", json!([]))
            .await
            .unwrap_err();
        assert_eq!(e.name(), "DataCloneError", "{e}");
        let clone = sim.register_js("CLONE", &module, "Clone")?.get_by_name("a");
        let value = json!({"a": [1, 2.5, "x", null, true], "b": {"c": {}}});
        let echoed: Value = clone.call_js("echo", json!([value.clone()])).await?;
        assert_eq!(echoed, value);
        Ok(())
    });
}
