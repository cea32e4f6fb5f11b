// The counter's buggy twin, written the way people get it wrong: it reads
// the count, awaits something outside the object (a timer here, standing
// in for a fetch to another service), then writes. That await lets another
// request in between the read and the write, and an update is lost.
import { DurableObject } from "cloudflare:workers";

function opKey(n: number): string {
  return `op:${String(n).padStart(8, "0")}`;
}

export class Counter extends DurableObject {
  async increment(by: number): Promise<number> {
    const n: number = (await this.ctx.storage.get<number>("count")) ?? 0;
    console.log(`read ${n}, checking with the audit service`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    await this.ctx.storage.put({ count: n + by, [opKey(n + by)]: by });
    console.log(`count ${n} -> ${n + by}`);
    return n + by;
  }

  async value(): Promise<number> {
    return (await this.ctx.storage.get<number>("count")) ?? 0;
  }

  async audit(): Promise<[number, number]> {
    const count: number = (await this.ctx.storage.get<number>("count")) ?? 0;
    const ops = await this.ctx.storage.list({ prefix: "op:" });
    console.log(`audit: count ${count}, ${ops.size} op records`);
    return [count, ops.size];
  }
}
