// A counter Durable Object, as it would be deployed to Cloudflare.
// dosim runs it unchanged (see examples/js_counter.rs).
import { DurableObject } from "cloudflare:workers";

/** The key of the op record written with count `n`. */
function opKey(n: number): string {
  return `op:${String(n).padStart(8, "0")}`;
}

export class Counter extends DurableObject {
  /** Adds `by`; returns the new count. */
  async increment(by: number): Promise<number> {
    const n: number = (await this.ctx.storage.get<number>("count")) ?? 0;
    // One put of two entries: the count and its op record commit together.
    await this.ctx.storage.put({ count: n + by, [opKey(n + by)]: by });
    console.log(`count ${n} -> ${n + by}`);
    return n + by;
  }

  /** The current count. */
  async value(): Promise<number> {
    return (await this.ctx.storage.get<number>("count")) ?? 0;
  }

  /** The count, and how many op records storage holds. */
  async audit(): Promise<[number, number]> {
    const count: number = (await this.ctx.storage.get<number>("count")) ?? 0;
    const ops = await this.ctx.storage.list({ prefix: "op:" });
    console.log(`audit: count ${count}, ${ops.size} op records`);
    return [count, ops.size];
  }

  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/increment") {
      return new Response(String(await this.increment(1)));
    }
    if (request.method === "GET" && url.pathname === "/value") {
      return new Response(String(await this.value()));
    }
    return new Response("no such route", { status: 404 });
  }
}
