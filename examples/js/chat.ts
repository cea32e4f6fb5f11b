// A chat room on hibernatable WebSockets, with its history in SQL.
// Each member's name rides with its socket as an attachment, so it
// survives hibernation.
import { DurableObject } from "cloudflare:workers";

interface Member {
  name: string;
}

export class ChatRoom extends DurableObject {
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
    server.serializeAttachment({ name } satisfies Member);
    return new Response(null, { status: 101, webSocket: client });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    const name = (ws.deserializeAttachment() as Member | null)?.name ?? "?";
    this.post(name, message);
  }

  post(name: string, text: string): void {
    this.ctx.storage.sql.exec("INSERT INTO history (name, text) VALUES (?, ?)", name, text);
    for (const member of this.ctx.getWebSockets()) {
      try {
        member.send(`${name}: ${text}`);
      } catch {
        // A member that just left may refuse; the others still get it.
      }
    }
  }

  /** Every message stored: [name, text], oldest first. */
  history(): [string, string][] {
    return this.ctx.storage.sql
      .exec("SELECT name, text FROM history ORDER BY id")
      .toArray()
      .map((row) => [row.name as string, row.text as string]);
  }
}
