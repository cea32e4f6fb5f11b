// WebSockets: WebSocketPair, the object's end of a socket, and the
// hibernation API of ctx. A socket is known to the host by its id; one
// JavaScript object stands for each id, so sockets compare with ===.
(() => {
  const { call } = globalThis.__dosim_internal;
  const clone = globalThis.__dosim_clone;
  const byId = new Map();

  class WebSocket {
    #id;
    constructor(id) { this.#id = id; }
    get id() { return this.#id; }
    send(message) {
      if (typeof message === "string") return call("wsSend", { id: this.#id, text: message });
      const view = message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      return call("wsSend", { id: this.#id, bytes: [...view] });
    }
    close(code = 1000, reason = "") { call("wsClose", { id: this.#id, code, reason: String(reason) }); }
    accept() { throw new TypeError("dosim's JavaScript host supports hibernatable sockets only: use ctx.acceptWebSocket(ws)"); }
    serializeAttachment(value) {
      call("wsAttach", { id: this.#id, value: JSON.parse(clone.encode(value)) });
    }
    deserializeAttachment() {
      const found = call("wsAttachment", { id: this.#id });
      return found.length ? clone.decode(found[0]) : null;
    }
  }

  const socketOf = (id) => {
    if (!byId.has(id)) byId.set(id, new WebSocket(id));
    return byId.get(id);
  };

  class WebSocketPair {
    constructor() {
      const id = call("wsPair");
      const server = socketOf(id);
      const client = Object.freeze({ clientOf: id });
      this[0] = client;
      this[1] = server;
    }
    *[Symbol.iterator]() { yield this[0]; yield this[1]; }
  }

  class WebSocketRequestResponsePair {
    #request; #response;
    constructor(request, response) { this.#request = String(request); this.#response = String(response); }
    getRequest() { return this.#request; }
    getResponse() { return this.#response; }
  }

  // The hibernation methods of ctx.
  const ctxMethods = {
    acceptWebSocket(ws, tags = []) { call("wsAccept", { id: ws.id, tags: tags.map(String) }); },
    getWebSockets(tag) { return call("wsGet", { tag: tag === undefined ? null : String(tag) }).map(socketOf); },
    getTags(ws) { return call("wsTags", { id: ws.id }); },
    setWebSocketAutoResponse(pair) {
      call("wsAutoResponse", { pair: pair ? [pair.getRequest(), pair.getResponse()] : null });
    },
  };

  // A message from the host: text, or {binary: [bytes]}.
  const messageOf = (m) => (typeof m === "string" ? m : new Uint8Array(m.binary).buffer);

  Object.assign(globalThis, { WebSocket, WebSocketPair, WebSocketRequestResponsePair });
  Object.defineProperty(globalThis, "__dosim_sockets", { value: { socketOf, ctxMethods, messageOf } });
})();
