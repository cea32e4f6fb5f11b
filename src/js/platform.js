// The platform bindings of env: KV namespaces, queues, buckets and services, with workerd's
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

  // An R2Object, or with a body an R2ObjectBody, from the host's answer.
  function r2Object(r) {
    if (r === null) return null;
    const o = {
      key: r.key, version: r.version, size: r.size, etag: r.etag, httpEtag: r.httpEtag,
      uploaded: new Date(r.uploaded), customMetadata: r.customMetadata, httpMetadata: {}, checksums: {}, storageClass: "Standard",
      writeHttpMetadata() {},
    };
    if (r.bytes === undefined) return o;
    let used = false;
    const use = () => {
      if (used) throw new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      used = true;
    };
    return Object.assign(o, {
      get bodyUsed() { return used; },
      async text() { use(); return r.text; },
      async json() { use(); return JSON.parse(r.text); },
      async arrayBuffer() { use(); return new Uint8Array(r.bytes).buffer; },
    });
  }

  // The conditions of onlyIf that dosim keeps: etagMatches and etagDoesNotMatch.
  function onlyIf(conditions) {
    if (conditions === undefined) return undefined;
    const { etagMatches, etagDoesNotMatch, ...rest } = conditions;
    if (Object.keys(rest).length > 0) throw new TypeError(`dosim: onlyIf.${Object.keys(rest)[0]} is not supported yet (etagMatches and etagDoesNotMatch are)`);
    return { etagMatches, etagDoesNotMatch };
  }

  class R2Bucket {
    #binding;
    constructor(binding) { this.#binding = binding; }
    put(key, value, options = {}) {
      const args = { binding: this.#binding, key: String(key), customMetadata: options.customMetadata, onlyIf: onlyIf(options.onlyIf) };
      if (typeof value === "string") args.text = value;
      else if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) args.bytes = bytesOf(value);
      else if (value !== null && value !== undefined) throw new TypeError("dosim: a bucket put() takes a string, an ArrayBuffer or a view of one (no streams or blobs)");
      return op("bucketPut", args, r2Object);
    }
    get(key, options = {}) {
      return op("bucketGet", { binding: this.#binding, key: String(key), range: options.range, onlyIf: onlyIf(options.onlyIf) }, r2Object);
    }
    head(key) { return op("bucketHead", { binding: this.#binding, key: String(key) }, r2Object); }
    delete(keys) {
      const list = Array.isArray(keys) ? keys.map(String) : [String(keys)];
      return op("bucketDelete", { binding: this.#binding, keys: list }, nothing);
    }
    list(options = {}) {
      const args = { binding: this.#binding, prefix: options.prefix, cursor: options.cursor, delimiter: options.delimiter, limit: options.limit, include: options.include ?? [] };
      return op("bucketList", args, (r) => ({
        objects: r.objects.map(r2Object),
        truncated: r.truncated,
        ...(r.cursor === null ? {} : { cursor: r.cursor }),
        delimitedPrefixes: r.delimitedPrefixes,
      }));
    }
  }

  // A fetch through the host operation `kind` (a stub's or a service's),
  // `target` saying where to.
  function fetch(kind, target, input, init) {
    const req = input instanceof Request && init === undefined ? input : new Request(input, init);
    const args = { ...target, method: req.method, url: req.url, headers: [...req.headers], body: req.body };
    return op(kind, args, (r) => new Response(r.body, { status: r.status, headers: r.headers }));
  }

  class Fetcher {
    #binding;
    constructor(binding) { this.#binding = binding; }
    fetch(input, init) { return fetch("serviceFetch", { binding: this.#binding }, input, init); }
  }

  // The object env.<name> is for a platform binding of `kind`.
  function bind(kind, name) {
    switch (kind) {
      case "KV namespace": return new KVNamespace(name);
      case "queue": return new Queue(name);
      case "bucket": return new R2Bucket(name);
      case "service": return new Fetcher(name);
      default: return undefined;
    }
  }

  Object.defineProperty(globalThis, "__dosim_platform", { value: { bind, fetch } });
})();
