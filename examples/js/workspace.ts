// A workspace that keeps a registry of its threads, each thread a Durable
// Object of its own. Creating a thread spans two objects, so a crash can
// split it; the registry orders it so that repair() can always finish:
// a `pending` row first, then the thread's init (idempotent), then the row
// turns `active`. Deleting is the mirror image.
import { DurableObject } from "cloudflare:workers";

const WORKSPACE = "acme";

export class Thread extends DurableObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS identity (one INTEGER PRIMARY KEY CHECK (one = 1), workspace TEXT NOT NULL, name TEXT NOT NULL, deleted INTEGER NOT NULL)",
    );
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  private identity(): [string, string, boolean] | null {
    const rows = this.ctx.storage.sql.exec("SELECT workspace, name, deleted FROM identity").toArray();
    if (rows.length === 0) return null;
    const row = rows[0];
    return [row.workspace as string, row.name as string, row.deleted !== 0];
  }

  /** Stores who the thread is; again with the same identity, a no-op. */
  init(workspace: string, name: string): void {
    const who = this.identity();
    if (who === null) {
      this.ctx.storage.sql.exec("INSERT INTO identity (one, workspace, name, deleted) VALUES (1, ?, ?, 0)", workspace, name);
    } else if (who[0] !== workspace || who[1] !== name) {
      throw new Error(`thread is already ${who[0]}/${who[1]}, not ${workspace}/${name}`);
    }
  }

  whoami(): [string, string, boolean] | null {
    return this.identity();
  }

  post(body: string): number {
    const who = this.identity();
    if (who === null) throw new Error("the thread was never initialised");
    if (who[2]) throw new Error("the thread was deleted");
    this.ctx.storage.sql.exec("INSERT INTO posts (body) VALUES (?)", body);
    return this.ctx.storage.sql.exec("SELECT count(*) AS n FROM posts").one().n as number;
  }

  destroy(): void {
    this.ctx.storage.sql.exec("DELETE FROM posts");
    this.ctx.storage.sql.exec("UPDATE identity SET deleted = 1");
  }
}

interface Env {
  THREAD: DurableObjectNamespace;
}

export class Workspace extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS threads (name TEXT PRIMARY KEY, status TEXT NOT NULL)");
  }

  private thread(name: string) {
    return this.env.THREAD.getByName(`${WORKSPACE}/${name}`);
  }

  private register(name: string, status: string): void {
    this.ctx.storage.sql.exec(
      "INSERT INTO threads (name, status) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET status = excluded.status",
      name,
      status,
    );
  }

  private async finishCreate(name: string): Promise<void> {
    await this.thread(name).init(WORKSPACE, name);
    this.register(name, "active");
  }

  private async finishDelete(name: string): Promise<void> {
    await this.thread(name).destroy();
    this.ctx.storage.sql.exec("DELETE FROM threads WHERE name = ?", name);
  }

  async create_thread(name: string): Promise<void> {
    const known = this.ctx.storage.sql.exec("SELECT 1 FROM threads WHERE name = ?", name).toArray().length > 0;
    if (!known) this.register(name, "pending");
    await this.finishCreate(name);
  }

  list_threads(): [string, string][] {
    return this.ctx.storage.sql
      .exec("SELECT name, status FROM threads ORDER BY name")
      .raw()
      .toArray() as [string, string][];
  }

  async delete_thread(name: string): Promise<void> {
    this.register(name, "deleting");
    await this.finishDelete(name);
  }

  /** Completes every create and delete a failure left half done. */
  async repair(): Promise<void> {
    for (const [name, status] of this.list_threads()) {
      if (status === "pending") await this.finishCreate(name);
      if (status === "deleting") await this.finishDelete(name);
    }
  }
}
