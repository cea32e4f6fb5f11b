// The platform bindings of env: KV namespaces and queues, with workerd's
// names and shapes. Each call is a host operation the Rust platform
// serves (see platform.rs); this side only shapes arguments and answers.
(() => {
  const { opText } = globalThis.__dosim_internal;
  const clone = globalThis.__dosim_clone;
  const quote = JSON.stringify;
  const op = (kind, args, map) => opText(kind, quote(args), map);
  const nothing = () => undefined;

  // The bytes of an ArrayBuffer or a view of one, as numbers.
  function bytesOf(value) {
    const view = value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return [...view];
  }

  // The type a KV read asks for: "text", "json" or "arrayBuffer".
  function typeOf(options) {
    const type = typeof options === "string" ? options : (options?.type ?? "text");
    if (type === "stream") throw new TypeError('dosim: KV reads of type "stream" are not supported (no streams)');
    if (!["text", "json", "arrayBuffer"].includes(type)) {
      throw new TypeError('Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".');
    }
    return type;
  }

  const decodeText = (type, text) => (text === null ? null : type === "json" ? JSON.parse(text) : text);
  // Drops the fields an answer leaves out rather than sets to null.
  const present = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

  class KVNamespace {
    #binding;
    constructor(binding) { this.#binding = binding; }
    #read(key, options, withMetadata) {
      const type = typeOf(options);
      const cacheTtl = typeof options === "object" ? options?.cacheTtl : undefined;
      const args = { binding: this.#binding, key: String(key), cacheTtl };
      if (type === "arrayBuffer") {
        if (withMetadata) throw new TypeError('dosim: getWithMetadata() of type "arrayBuffer" is not supported yet');
        return op("kvGet", { ...args, bytes: true }, (r) => (r === null ? null : new Uint8Array(r.bytes).buffer));
      }
      return op("kvGet", args, (r) => {
        const value = decodeText(type, r.value);
        return withMetadata ? { value, metadata: r.metadata, cacheStatus: null } : value;
      });
    }
    get(key, options) { return this.#read(key, options, false); }
    getWithMetadata(key, options) { return this.#read(key, options, true); }
    put(key, value, options = {}) {
      const args = { binding: this.#binding, key: String(key), expiration: options.expiration, expirationTtl: options.expirationTtl, metadata: options.metadata };
      if (typeof value === "string") args.text = value;
      else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) args.bytes = bytesOf(value);
      else throw new TypeError("KV put() accepts only strings, ArrayBuffers and ArrayBufferViews as values.");
      return op("kvPut", args, nothing);
    }
    delete(key) { return op("kvDelete", { binding: this.#binding, key: String(key) }, nothing); }
    list(options = {}) {
      const args = { binding: this.#binding, prefix: options.prefix ?? undefined, limit: options.limit, cursor: options.cursor ?? undefined };
      return op("kvList", args, (r) => ({
        keys: r.keys.map(present),
        list_complete: r.list_complete,
        ...(r.cursor === null ? {} : { cursor: r.cursor }),
        cacheStatus: null,
      }));
    }
  }

  class Queue {
    #binding;
    constructor(binding) { this.#binding = binding; }
    #send(bodies, batch, options) {
      const delay = options?.delaySeconds === undefined ? "" : `,"delaySeconds":${quote(options.delaySeconds)}`;
      const text = `{"binding":${quote(this.#binding)},"batch":${batch},"bodies":[${bodies.map((b) => clone.encode(b)).join(",")}]${delay}}`;
      return opText("queueSend", text, nothing);
    }
    send(body, options) { return this.#send([body], false, options); }
    sendBatch(messages, options) {
      const list = [...messages];
      if (list.some((m) => m?.delaySeconds !== undefined)) {
        throw new TypeError("dosim: a delaySeconds of its own on a sendBatch() message is not supported yet; pass it in the batch's options");
      }
      return this.#send(list.map((m) => m.body), true, options);
    }
  }

  // The object env.<name> is for a platform binding of `kind`.
  function bind(kind, name) {
    switch (kind) {
      case "KV namespace": return new KVNamespace(name);
      case "queue": return new Queue(name);
      default: return undefined;
    }
  }

  Object.defineProperty(globalThis, "__dosim_platform", { value: { bind } });
})();
