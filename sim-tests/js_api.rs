//! The `cloudflare:workers` surface a TypeScript object uses, each part
//! checked from a Rust sim test: SQL cursors, KV list options, alarms,
//! env bindings, calls between objects (RPC and fetch), and the
//! deterministic globals.

// Only its TypeScript helpers are used here.
#[allow(dead_code)]
mod common;

use dosim::js::JsModule;
use dosim::{Request, Sim};
use serde_json::{json, Value};

const OBJECTS: &str = r#"
import { DurableObject } from "cloudflare:workers";

export class Notes extends DurableObject {
  sql(): unknown {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT, score REAL)");
    const insert = sql.exec("INSERT INTO notes (body, score) VALUES (?, ?), (?, ?)", "a", 1.5, "b", 2);
    const all = sql.exec("SELECT id, body, score FROM notes ORDER BY id");
    const columns = all.columnNames;
    const rows = all.toArray();
    const one = sql.exec("SELECT body FROM notes WHERE id = ?", 2).one();
    const raw = [...sql.exec("SELECT id, body FROM notes ORDER BY id").raw()];
    const iterated: string[] = [];
    for (const row of sql.exec("SELECT body FROM notes ORDER BY id DESC")) iterated.push(row.body as string);
    let none = "";
    try { sql.exec("SELECT 1 WHERE 0").one(); } catch (e: any) { none = e.message; }
    return { written: insert.rowsWritten, read: all.rowsRead, columns, rows, one, raw, iterated, none };
  }

  async listing(): Promise<unknown> {
    await this.ctx.storage.put({ "a:1": 1, "a:2": 2, "a:3": 3, "b:1": 4 });
    const prefixed = [...(await this.ctx.storage.list({ prefix: "a:" })).keys()];
    const reversed = [...(await this.ctx.storage.list({ prefix: "a:", reverse: true, limit: 2 })).keys()];
    const ranged = [...(await this.ctx.storage.list({ start: "a:2", end: "b:1" })).keys()];
    const many = Object.fromEntries(await this.ctx.storage.get(["a:1", "b:1", "zz"]));
    const deleted = await this.ctx.storage.delete(["a:1", "a:2", "nope"]);
    const gone = await this.ctx.storage.delete("a:1");
    return { prefixed, reversed, ranged, many, deleted, gone };
  }

  async texts(texts: string[]): Promise<unknown> {
    // Each text as a key and a value, by one put each and by one put of
    // them all; read back by get and by list.
    const prefixed = (t: string, i: number) => `t${i}:${t}`;
    for (const [i, t] of texts.entries()) await this.ctx.storage.put(prefixed(t, i), t);
    const byGet = [];
    for (const [i, t] of texts.entries()) byGet.push(await this.ctx.storage.get(prefixed(t, i)));
    await this.ctx.storage.put(Object.fromEntries(texts.map((t, i) => [`u${i}:${t}`, [t, i, true, -0, 0.5, 1e21]])));
    const listed = [...(await this.ctx.storage.list({ prefix: "u" })).entries()];
    // A lone surrogate is not text Rust can hold: what a put of one does
    // must not depend on the path its quoting takes.
    let lone;
    try {
      await this.ctx.storage.put("lone", "a\ud800b");
      lone = (await this.ctx.storage.get("lone")) === "a\ud800b" ? "kept" : "changed";
    } catch (e: any) {
      lone = `${e.name}: ${e.message}`;
    }
    return { byGet, listed, answer: texts, lone };
  }

  everyCodeUnit(): number[] {
    // Each UTF-16 code unit, lone surrogates too, in a string cloned.
    const wrong = [];
    for (let c = 0; c < 0x10000; c++) {
      const s = `a${String.fromCharCode(c)}b`;
      if (structuredClone(s) !== s) wrong.push(c);
    }
    return wrong;
  }

  async arm(ms: number): Promise<number | null> {
    await this.ctx.storage.setAlarm(Date.now() + ms);
    return await this.ctx.storage.getAlarm();
  }
  async alarm(info: { retryCount: number; isRetry: boolean }): Promise<void> {
    const fired = ((await this.ctx.storage.get<number>("fired")) ?? 0) + 1;
    await this.ctx.storage.put("fired", fired);
    console.log(`alarm, try ${info.retryCount}`);
  }
  async fired(): Promise<number> {
    return (await this.ctx.storage.get<number>("fired")) ?? 0;
  }

  greeting(): unknown {
    return { greeting: this.env.GREETING, missing: this.env.NOPE === undefined, id: String(this.ctx.id) };
  }

  async askPeer(name: string): Promise<unknown> {
    const peer = this.env.NOTES.get(this.env.NOTES.idFromName(name));
    const viaRpc = await peer.greeting();
    const resp = await peer.fetch("https://notes/hello?who=ada", { method: "POST", body: "hi" });
    return { viaRpc, status: resp.status, text: await resp.text() };
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    return Response.json({ path: url.pathname, who: url.searchParams.get("who"), method: request.method, body: await request.text() });
  }

  transfer(fail: boolean): unknown {
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS acct (id INTEGER PRIMARY KEY, balance INTEGER)");
    sql.exec("INSERT OR IGNORE INTO acct VALUES (1, 100), (2, 0)");
    let error = "";
    try {
      this.ctx.storage.transactionSync(() => {
        sql.exec("UPDATE acct SET balance = balance - 10 WHERE id = 1");
        if (fail) throw new RangeError("insufficient funds");
        sql.exec("UPDATE acct SET balance = balance + 10 WHERE id = 2");
      });
    } catch (e: any) {
      error = `${e.name}: ${e.message}`;
    }
    return { error, balances: sql.exec("SELECT balance FROM acct ORDER BY id").raw().toArray().map((r: any) => r[0]) };
  }

  world(): unknown {
    return { now: Date.now(), iso: new Date(0).toISOString(), random: Math.random(), uuid: crypto.randomUUID(), hours: new Date(0).getHours() };
  }
}

export class Loaded extends DurableObject {
  ready = false;
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    // A leaving await inside: only the closed gate keeps calls out.
    ctx.blockConcurrencyWhile(async () => {
      await scheduler.wait(10);
      this.ready = true;
    });
  }
  isReady(): boolean {
    return this.ready;
  }
}
"#;

/// Runs `body` once, fault-free, with `Notes` bound as `NOTES`.
fn once<F, Fut>(name: &str, body: F)
where
    F: Fn(Sim) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = dosim::Result<()>> + 'static,
{
    common::js::once_with_class(name, ("notes.ts", OBJECTS), ("NOTES", "Notes"), body);
}

fn notes(sim: &Sim) -> dosim::Stub<dosim::js::JsObject> {
    sim.client(0)
        .namespace::<dosim::js::JsObject>("NOTES")
        .expect("registered")
        .get_by_name("n")
}

#[test]
fn sql_cursor_has_workerds_surface() {
    once("js_sql", |sim| async move {
        let got: Value = notes(&sim).call_js("sql", json!([])).await?;
        assert_eq!(got["written"], 2);
        assert_eq!(got["columns"], json!(["id", "body", "score"]));
        assert_eq!(
            got["rows"],
            json!([{"id": 1, "body": "a", "score": 1.5}, {"id": 2, "body": "b", "score": 2}])
        );
        assert_eq!(got["read"], 2);
        assert_eq!(got["one"], json!({"body": "b"}));
        assert_eq!(got["raw"], json!([[1, "a"], [2, "b"]]));
        assert_eq!(got["iterated"], json!(["b", "a"]));
        assert_eq!(
            got["none"],
            "Expected exactly one result from SQL query, but got no results."
        );
        Ok(())
    });
}

#[test]
fn kv_list_options_and_batches() {
    once("js_kv", |sim| async move {
        let got: Value = notes(&sim).call_js("listing", json!([])).await?;
        assert_eq!(got["prefixed"], json!(["a:1", "a:2", "a:3"]));
        assert_eq!(got["reversed"], json!(["a:3", "a:2"]));
        assert_eq!(got["ranged"], json!(["a:2", "a:3"]));
        assert_eq!(got["many"], json!({"a:1": 1, "b:1": 4}));
        assert_eq!(got["deleted"], 2);
        assert_eq!(got["gone"], false);
        Ok(())
    });
}

#[test]
fn texts_that_need_escaping_cross_storage_and_rpc_unchanged() {
    once("js_texts", |sim| async move {
        let texts = [
            "plain",
            "",
            "say \"hi\"",
            "back\\slash",
            "tab\tnew\nline\u{1}",
            "\u{7f} ü € 😀",
            "\u{2028}\u{2029}",
        ];
        let got: Value = notes(&sim).call_js("texts", json!([texts])).await?;
        assert_eq!(got["answer"], json!(texts));
        assert_eq!(got["byGet"], json!(texts));
        let listed: Vec<Value> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| json!([format!("u{i}:{t}"), [t, i, true, {"$t": "Number", "v": "-0"}, 0.5, 1e21]]))
            .collect();
        let mut listed = listed;
        listed.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
        assert_eq!(got["listed"], json!(listed));
        assert_eq!(got["lone"], "kept", "a lone surrogate went into storage");
        let wrong: Vec<u32> = notes(&sim).call_js("everyCodeUnit", json!([])).await?;
        assert_eq!(wrong, Vec::<u32>::new(), "code units a clone changed");
        Ok(())
    });
}

#[test]
fn an_alarm_fires_its_handler() {
    once("js_alarm", |sim| async move {
        let stub = notes(&sim);
        let at: f64 = stub.call_js("arm", json!([1000])).await?;
        let now = dosim::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as f64;
        assert!(at > now && at <= now + 1000.0, "alarm at {at}, now {now}");
        dosim::sleep(std::time::Duration::from_secs(5)).await;
        assert_eq!(stub.call_js::<u64>("fired", json!([])).await?, 1);
        Ok(())
    });
}

#[test]
fn env_bindings_and_calls_between_objects() {
    once("js_env", |sim| async move {
        sim.set_var("GREETING", "hello")?;
        let got: Value = notes(&sim).call_js("askPeer", json!(["peer"])).await?;
        assert_eq!(got["viaRpc"]["greeting"], "hello");
        assert_eq!(got["viaRpc"]["missing"], true);
        assert_eq!(got["status"], 200);
        let text: Value = serde_json::from_str(got["text"].as_str().unwrap()).unwrap();
        assert_eq!(
            text,
            json!({"path": "/hello", "who": "ada", "method": "POST", "body": "hi"})
        );
        // And over HTTP from a Rust client.
        let resp = notes(&sim).fetch(Request::get("https://notes/x")).await?;
        assert_eq!(resp.status(), 200);
        assert!(resp.text()?.contains(r#""path":"/x""#));
        Ok(())
    });
}

#[test]
fn time_and_randomness_come_from_the_simulation() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    for _ in 0..2 {
        let seen = seen.clone();
        once("js_world", move |sim| {
            let seen = seen.clone();
            async move {
                let ms = || {
                    dosim::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap()
                        .as_millis() as f64
                };
                let before = ms();
                let got: Value = notes(&sim).call_js("world", json!([])).await?;
                let now = got["now"].as_f64().unwrap();
                assert!(
                    before <= now && now <= ms(),
                    "Date.now() is the simulated clock"
                );
                assert_eq!(got["iso"], "1970-01-01T00:00:00.000Z");
                assert_eq!(got["hours"], 0);
                seen.lock().unwrap().push(got);
                Ok(())
            }
        });
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], seen[1], "the same seed gives the same numbers");
}

#[test]
fn transaction_sync_commits_or_rolls_back_and_rethrows() {
    once("js_transaction_sync", |sim| async move {
        let got: Value = notes(&sim).call_js("transfer", json!([true])).await?;
        assert_eq!(got["error"], "RangeError: insufficient funds");
        assert_eq!(got["balances"], json!([100, 0]));
        let got: Value = notes(&sim).call_js("transfer", json!([false])).await?;
        assert_eq!(got["error"], "");
        assert_eq!(got["balances"], json!([90, 10]));
        Ok(())
    });
}

#[test]
fn block_concurrency_while_in_the_constructor_holds_calls() {
    once("js_block_concurrency", |sim| async move {
        let module = JsModule::typescript("notes.ts", OBJECTS)?;
        let ns = sim.register_js("LOADED", &module, "Loaded")?;
        let calls: Vec<_> = (0..3)
            .map(|_| sim.spawn(ns.get_by_name("x").call_js::<bool>("isReady", json!([]))))
            .collect();
        for call in calls {
            assert!(
                call.await??,
                "a call ran before the constructor's block ended"
            );
        }
        Ok(())
    });
}
