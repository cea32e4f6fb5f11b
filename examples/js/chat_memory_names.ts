// The chat room's buggy twin, written the way people get it wrong: it
// keeps member names in a Map in memory. Hibernation drops the instance,
// the Map with it, and messages after the quiet spell lose their author.
import { DurableObject } from "cloudflare:workers";

export class ChatRoom extends DurableObject {
  names = new Map<WebSocket, string>();

  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, name TEXT NOT NULL, text TEXT NOT NULL)",
    );
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request: Request): Promise<Response> {
    const name = new URL(request.url).searchParams.get("name");
    if (!name) return new Response("join with /join?name=<name>", { status: 400 });
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, ["member"]);
    this.names.set(server, name);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    const name = this.names.get(ws) ?? "?";
    this.ctx.storage.sql.exec("INSERT INTO history (name, text) VALUES (?, ?)", name, message);
    for (const member of this.ctx.getWebSockets()) {
      try {
        member.send(`${name}: ${message}`);
      } catch {}
    }
  }

  history(): [string, string][] {
    return this.ctx.storage.sql
      .exec("SELECT name, text FROM history ORDER BY id")
      .toArray()
      .map((row) => [row.name as string, row.text as string]);
  }
}
