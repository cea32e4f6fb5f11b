//! The platform bindings in a TypeScript object's `env`, each driven from
//! a Rust sim test: a KV namespace (text, JSON, bytes, metadata, lists
//! and the product's limit errors, its write rate among them) and a queue producer (`send`,
//! `sendBatch`, delays) whose messages a Rust consumer reads, and a
//! bucket (bodies, ranges, conditions, listings with a delimiter), and a
//! service binding's `fetch`.

// Only its TypeScript helpers are used here.
#[allow(dead_code)]
mod common;

use std::cell::RefCell;
use std::time::Duration;

use dosim::platform::queue::{MessageBatch, QueueConfig};
use dosim::platform::worker::{Context, Worker};
use dosim::{Env, Sim};
use serde_json::{json, Value};

const OBJECTS: &str = r#"
import { DurableObject } from "cloudflare:workers";

export class Shop extends DurableObject {
  async kv(): Promise<unknown> {
    const kv = this.env.FLAGS;
    await kv.put("a:1", "one");
    await kv.put("a:2", JSON.stringify({ n: 2 }), { metadata: { owner: "ada" } });
    await kv.put("a:3", new Uint8Array([1, 2, 255]));
    await kv.put("b:1", "later", { expirationTtl: 3600 });
    const text = await kv.get("a:1");
    const parsed = await kv.get("a:2", "json");
    const typed = await kv.get("a:2", { type: "json" });
    const bytes = [...new Uint8Array(await kv.get("a:3", "arrayBuffer"))];
    const missing = await kv.get("zz");
    const withMeta = await kv.getWithMetadata("a:2", "json");
    const page = await kv.list({ prefix: "a:", limit: 2 });
    const rest = await kv.list({ prefix: "a:", cursor: page.cursor });
    const all = await kv.list();
    let tooFast = "";
    try { await kv.delete("a:1"); } catch (e: any) { tooFast = e.message; }
    await scheduler.wait(1000);
    await kv.delete("a:1");
    const gone = await kv.get("a:1");
    let tooShort = "";
    try { await kv.put("c", "x", { expirationTtl: 30 }); } catch (e: any) { tooShort = e.message; }
    let badType = "";
    try { await kv.get("a:1", "xml"); } catch (e: any) { badType = `${e.name}: ${e.message}`; }
    return { text, parsed, typed, bytes, missing, withMeta, page, rest, all, tooFast, gone, tooShort, badType };
  }

  async order(items: number[]): Promise<string> {
    await this.env.ORDERS.send({ item: items[0] });
    await this.env.ORDERS.sendBatch(items.slice(1).map((item) => ({ body: { item } })));
    await this.env.ORDERS.send({ item: 100 }, { delaySeconds: 60 });
    let empty = "";
    try { await this.env.ORDERS.sendBatch([]); } catch (e: any) { empty = `${e.name}: ${e.message}`; }
    return empty;
  }

  async bucket(): Promise<unknown> {
    const b = this.env.ARCHIVE;
    const put = await b.put("docs/a.txt", "hello", { customMetadata: { by: "ada" } });
    await b.put("docs/sub/b.json", JSON.stringify({ ok: true }));
    await b.put("top.bin", new Uint8Array([0, 1, 2, 3]));
    const got = await b.get("docs/a.txt");
    const text = await got.text();
    let twice = "";
    try { await got.text(); } catch (e: any) { twice = e.name; }
    const json = await (await b.get("docs/sub/b.json")).json();
    const bytes = [...new Uint8Array(await (await b.get("top.bin", { range: { offset: 1, length: 2 } })).arrayBuffer())];
    const head = await b.head("docs/a.txt");
    const stale = await b.put("docs/a.txt", "lost", { onlyIf: { etagMatches: "nope" } });
    const unchanged = await (await b.get("docs/a.txt", { onlyIf: { etagDoesNotMatch: put.etag } }));
    const listed = await b.list({ prefix: "docs/", delimiter: "/" });
    const all = await b.list({ limit: 2, include: ["customMetadata"] });
    await b.delete(["docs/a.txt", "top.bin"]);
    const missing = await b.get("docs/a.txt");
    return {
      put: { key: put.key, size: put.size, etagQuoted: put.httpEtag === `"${put.etag}"`, uploadedIsDate: put.uploaded instanceof Date, meta: put.customMetadata },
      text, twice, json, bytes, headHasBody: "text" in head, headSize: head.size,
      stale, unchangedHasBody: "text" in unchanged,
      listed: { keys: listed.objects.map((o: any) => o.key), prefixes: listed.delimitedPrefixes, truncated: listed.truncated },
      all: { keys: all.objects.map((o: any) => o.key), truncated: all.truncated, hasCursor: typeof all.cursor === "string", meta: all.objects[0].customMetadata },
      missing,
    };
  }

  async callService(): Promise<unknown> {
    const resp = await this.env.PAYMENTS.fetch("https://payments/charge?amount=5", { method: "POST", body: "card-1", headers: { "x-shop": "s" } });
    const viaRequest = await this.env.PAYMENTS.fetch(new Request("https://payments/refund"));
    return { status: resp.status, text: await resp.text(), header: resp.headers.get("x-paid"), refund: viaRequest.status };
  }

  kinds(): unknown {
    const name = (b: any) => b?.constructor?.name;
    return { kv: name(this.env.FLAGS), queue: name(this.env.ORDERS), bucket: name(this.env.ARCHIVE), service: name(this.env.PAYMENTS), none: this.env.NOPE === undefined };
  }
}
"#;

/// Runs `body` once, fault-free, with `Shop` bound as `SHOP`.
fn once<F, Fut>(name: &str, body: F)
where
    F: Fn(Sim) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = dosim::Result<()>> + 'static,
{
    common::js::once_with_class(name, ("shop.ts", OBJECTS), ("SHOP", "Shop"), body);
}

fn shop(sim: &Sim) -> dosim::Stub<dosim::js::JsObject> {
    sim.client(0)
        .namespace::<dosim::js::JsObject>("SHOP")
        .expect("registered")
        .get_by_name("s")
}

#[test]
fn a_kv_namespace_has_workerds_surface() {
    once("js_platform_kv", |sim| async move {
        let flags = sim.kv_namespace("FLAGS")?;
        let got: Value = shop(&sim).call_js("kv", json!([])).await?;
        assert_eq!(got["text"], "one");
        assert_eq!(got["parsed"], json!({"n": 2}));
        assert_eq!(got["typed"], json!({"n": 2}));
        assert_eq!(got["bytes"], json!([1, 2, 255]));
        assert_eq!(got["missing"], Value::Null);
        assert_eq!(got["withMeta"]["value"], json!({"n": 2}));
        assert_eq!(got["withMeta"]["metadata"], json!({"owner": "ada"}));
        let names = |page: &Value| -> Vec<String> {
            page["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names(&got["page"]), ["a:1", "a:2"]);
        assert_eq!(got["page"]["list_complete"], false);
        assert_eq!(got["page"]["keys"][1]["metadata"], json!({"owner": "ada"}));
        assert!(got["page"]["keys"][0].get("metadata").is_none());
        assert_eq!(names(&got["rest"]), ["a:3"]);
        assert_eq!(got["rest"]["list_complete"], true);
        assert!(got["rest"].get("cursor").is_none());
        assert_eq!(names(&got["all"]), ["a:1", "a:2", "a:3", "b:1"]);
        let expires = got["all"]["keys"][3]["expiration"].as_u64().unwrap();
        assert!(expires >= 1_767_225_600 + 3600, "expires at {expires}");
        // One write a second per key, as the product allows.
        assert_eq!(got["tooFast"], "KV DELETE failed: 429 Too Many Requests");
        assert_eq!(got["gone"], Value::Null);
        assert!(
            got["tooShort"]
                .as_str()
                .unwrap()
                .contains("Invalid expiration_ttl of 30. Expiration TTL must be at least 60."),
            "{}",
            got["tooShort"]
        );
        assert_eq!(
            got["badType"],
            r#"TypeError: Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream"."#
        );
        // The writes are the namespace's, seen from Rust too (after the
        // other location's cached copy has expired).
        dosim::sleep(Duration::from_secs(61)).await;
        assert_eq!(flags.get("a:2").await?.as_deref(), Some(r#"{"n":2}"#));
        assert_eq!(flags.get_bytes("a:3").await?, Some(vec![1, 2, 255]));
        assert_eq!(flags.get("a:1").await?, None);
        Ok(())
    });
}

thread_local! {
    static SEEN: RefCell<Vec<(u64, u64)>> = const { RefCell::new(Vec::new()) };
}

/// Records each message's item and the simulated second it came.
#[derive(Default)]
struct Orders;

impl Worker for Orders {
    async fn queue(&self, batch: MessageBatch, _env: Env, _ctx: Context) -> dosim::Result<()> {
        let at = dosim::elapsed().as_secs();
        for m in batch.messages() {
            let body: Value = m.body()?;
            SEEN.with(|s| s.borrow_mut().push((body["item"].as_u64().unwrap(), at)));
        }
        Ok(())
    }
}

#[test]
fn a_queue_producer_sends_what_a_consumer_reads() {
    once("js_platform_queue", |sim| async move {
        SEEN.with(|s| s.borrow_mut().clear());
        sim.queue("ORDERS", QueueConfig::default())?;
        sim.consumer::<Orders>("ORDERS")?;
        let empty: String = shop(&sim).call_js("order", json!([[1, 2, 3]])).await?;
        assert_eq!(
            empty,
            "TypeError: sendBatch() requires at least one message"
        );
        let sent_at = sim.elapsed().as_secs();
        dosim::sleep(Duration::from_secs(120)).await;
        let seen = SEEN.with(|s| s.borrow().clone());
        let mut items: Vec<u64> = seen.iter().map(|s| s.0).collect();
        items.sort_unstable();
        assert_eq!(items, [1, 2, 3, 100]);
        let delayed = seen.iter().find(|s| s.0 == 100).unwrap().1;
        assert!(
            delayed >= sent_at + 60,
            "delayed message came at {delayed} s"
        );
        Ok(())
    });
}

#[test]
fn a_bucket_has_r2s_surface() {
    once("js_platform_bucket", |sim| async move {
        let archive = sim.bucket("ARCHIVE")?;
        let got: Value = shop(&sim).call_js("bucket", json!([])).await?;
        assert_eq!(
            got["put"],
            json!({"key": "docs/a.txt", "size": 5, "etagQuoted": true, "uploadedIsDate": true, "meta": {"by": "ada"}})
        );
        assert_eq!(got["text"], "hello");
        assert_eq!(got["twice"], "TypeError");
        assert_eq!(got["json"], json!({"ok": true}));
        assert_eq!(got["bytes"], json!([1, 2]));
        assert_eq!(got["headHasBody"], false);
        assert_eq!(got["headSize"], 5);
        assert_eq!(got["stale"], Value::Null);
        assert_eq!(got["unchangedHasBody"], false);
        assert_eq!(
            got["listed"],
            json!({"keys": ["docs/a.txt"], "prefixes": ["docs/sub/"], "truncated": false})
        );
        assert_eq!(
            got["all"],
            json!({"keys": ["docs/a.txt", "docs/sub/b.json"], "truncated": true, "hasCursor": true, "meta": {"by": "ada"}})
        );
        assert_eq!(got["missing"], Value::Null);
        // What JavaScript wrote is the bucket's, read from Rust.
        let left = archive.get("docs/sub/b.json", Default::default()).await?;
        assert_eq!(left.map(|o| o.text()).as_deref(), Some(r#"{"ok":true}"#));
        assert!(archive.head("top.bin").await?.is_none());
        Ok(())
    });
}

#[test]
fn a_service_binding_fetches() {
    once("js_platform_service", |sim| async move {
        let seen = std::rc::Rc::new(RefCell::new(Vec::new()));
        let log = seen.clone();
        sim.service("PAYMENTS", move |req: dosim::Request| {
            let log = log.clone();
            async move {
                let line = format!(
                    "{} {} {} {:?}",
                    req.method(),
                    req.url(),
                    String::from_utf8_lossy(req.body()),
                    req.header("x-shop")
                );
                log.borrow_mut().push(line);
                let status = if req.url().ends_with("/refund") {
                    404
                } else {
                    200
                };
                Ok(dosim::Response::new(status, "paid").with_header("x-paid", "yes"))
            }
        })?;
        let got: Value = shop(&sim).call_js("callService", json!([])).await?;
        assert_eq!(
            got,
            json!({"status": 200, "text": "paid", "header": "yes", "refund": 404})
        );
        assert_eq!(
            *seen.borrow(),
            [
                r#"POST https://payments/charge?amount=5 card-1 Some("s")"#,
                r#"GET https://payments/refund  None"#
            ]
        );
        Ok(())
    });
}

#[test]
fn env_names_each_binding_by_its_kind() {
    once("js_platform_kinds", |sim| async move {
        sim.kv_namespace("FLAGS")?;
        sim.queue("ORDERS", QueueConfig::default())?;
        sim.bucket("ARCHIVE")?;
        sim.service("PAYMENTS", |_req| async { Ok(dosim::Response::ok("")) })?;
        let got: Value = shop(&sim).call_js("kinds", json!([])).await?;
        assert_eq!(
            got,
            json!({"kv": "KVNamespace", "queue": "Queue", "bucket": "R2Bucket", "service": "Fetcher", "none": true})
        );
        Ok(())
    });
}
