// The `cloudflare:workers` surface: the DurableObject base class, the
// state an object is built with (ctx.storage, ctx.id, …), env bindings,
// stubs, and the entry points the host calls to build the object and
// deliver its events.
(() => {
  const { host, call, op, opText } = globalThis.__dosim_internal;
  const clone = globalThis.__dosim_clone;
  const platform = globalThis.__dosim_platform;
  const decode = clone.decode;
  const quote = JSON.stringify;

  class DurableObject {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  class WorkerEntrypoint {
    constructor(ctx, env) { this.ctx = ctx; this.env = env; }
  }
  class RpcTarget {}

  class DurableObjectId {
    #hex;
    constructor(binding, hex, name) { this.#hex = hex; this.binding = binding; this.name = name; }
    toString() { return this.#hex; }
    equals(other) { return other instanceof DurableObjectId && other.toString() === this.#hex; }
  }

  // A stub: `fetch`, and any other property is an RPC method.
  function makeStub(id) {
    const binding = id.binding;
    const target = {
      id,
      name: id.name,
      fetch(input, init) { return platform.fetch("stubFetch", { binding, id: id.toString() }, input, init); },
    };
    return new Proxy(target, {
      get(t, prop) {
        if (prop in t) return t[prop];
        if (typeof prop !== "string" || prop === "then") return undefined;
        return (...args) => {
          const text = `{"binding":${quote(binding)},"id":${quote(id.toString())},"method":${quote(prop)},"args":${clone.encode(args)}}`;
          return opText("stubCall", text, decode);
        };
      },
    });
  }

  class DurableObjectNamespace {
    #binding;
    constructor(binding) { this.#binding = binding; }
    idFromName(name) { return new DurableObjectId(this.#binding, call("idFromName", { binding: this.#binding, name: String(name) }), String(name)); }
    idFromString(hex) { return new DurableObjectId(this.#binding, call("idFromString", { binding: this.#binding, id: String(hex) })); }
    newUniqueId() { return new DurableObjectId(this.#binding, call("newUniqueId", { binding: this.#binding })); }
    get(id) { return makeStub(id); }
    getByName(name) { return this.get(this.idFromName(name)); }
  }

  // env: each binding looked up on first use.
  function makeEnv() {
    const cache = new Map();
    return new Proxy({}, {
      get(_, name) {
        if (typeof name !== "string" || name === "then") return undefined;
        if (!cache.has(name)) {
          const b = call("binding", { name });
          cache.set(name, b === null ? undefined : b.kind === "namespace" ? new DurableObjectNamespace(name) : b.kind === "var" ? b.value : platform.bind(b.kind, name));
        }
        return cache.get(name);
      },
      has(_, name) { return typeof name === "string" && call("binding", { name }) !== null; },
    });
  }

  // SQL: the rows come back at once; the cursor walks them.
  function sqlValue(v) {
    if (v !== null && typeof v === "object" && "blob" in v) return new Uint8Array(v.blob).buffer;
    return v;
  }
  function sqlBinding(v) {
    if (v === undefined || v === null) return null;
    if (typeof v === "boolean") return v ? 1 : 0;
    if (v instanceof ArrayBuffer) v = new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return { blob: [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] };
    if (typeof v === "number") return Number.isInteger(v) ? v : { real: v };
    if (typeof v === "bigint") return Number(v);
    if (typeof v === "string") return v;
    throw new TypeError(`Unsupported type for a SQL binding: ${typeof v}`);
  }
  class SqlStorageCursor {
    #rows; #at = 0;
    constructor(r) {
      this.columnNames = r.columns;
      this.rowsRead = r.rowsRead;
      this.rowsWritten = r.rowsWritten;
      this.#rows = r.rows;
    }
    next() {
      if (this.#at >= this.#rows.length) return { done: true, value: undefined };
      return { done: false, value: this.#object(this.#rows[this.#at++]) };
    }
    #object(row) {
      const o = {};
      this.columnNames.forEach((c, i) => { o[c] = sqlValue(row[i]); });
      return o;
    }
    toArray() { const out = []; for (const r of this) out.push(r); return out; }
    one() {
      const left = this.#rows.length - this.#at;
      if (left === 0) throw new Error("Expected exactly one result from SQL query, but got no results.");
      if (left > 1) throw new Error("Expected exactly one result from SQL query, but got multiple results.");
      return this.next().value;
    }
    *raw() { while (this.#at < this.#rows.length) yield this.#rows[this.#at++].map(sqlValue); }
    [Symbol.iterator]() { return this; }
  }
  const sql = {
    exec(query, ...bindings) {
      return new SqlStorageCursor(call("sql", { query: String(query), bindings: bindings.map(sqlBinding) }));
    },
    get databaseSize() { return call("sqlSize"); },
  };

  function listArgs(o = {}) {
    return {
      start: o.start ?? null, start_after: o.startAfter ?? null, end: o.end ?? null,
      prefix: o.prefix ?? null, reverse: !!o.reverse, limit: o.limit ?? null,
    };
  }
  const toMap = (entries) => new Map(entries.map(([k, v]) => [k, decode(v)]));
  const alarmMs = (t) => (t instanceof Date ? t.getTime() : Number(t));

  const storage = {
    sql,
    get(key) {
      if (Array.isArray(key)) return op("getMany", { keys: key.map(String) }, toMap);
      return opText("get", `{"key":${quote(String(key))}}`, (found) => (found.length ? decode(found[0]) : undefined));
    },
    put(key, value) {
      // The JSON text built by hand: this runs on every write.
      let text;
      if (typeof key === "object" && key !== null) {
        text = "";
        for (const k of Object.keys(key)) text += `${text === "" ? "" : ","}[${quote(k)},${clone.encode(key[k])}]`;
      } else {
        text = `[${quote(String(key))},${clone.encode(value)}]`;
      }
      return opText("put", `{"entries":[${text}]}`);
    },
    delete(key) {
      if (Array.isArray(key)) return op("deleteMany", { keys: key.map(String) });
      return op("delete", { key: String(key) });
    },
    list(options) { return op("list", listArgs(options), toMap); },
    deleteAll() { return op("deleteAll"); },
    getAlarm() { return op("getAlarm"); },
    setAlarm(time) { return op("setAlarm", { ms: alarmMs(time) }); },
    deleteAlarm() { return op("deleteAlarm"); },
    sync() { return op("sync"); },
    transactionSync(fn) {
      if (typeof fn !== "function") throw new TypeError("transactionSync() needs a function");
      return host.transactionSync(fn);
    },
    transaction() {
      return Promise.reject(new Error("ctx.storage.transaction() is not supported by dosim's JavaScript host yet; use transactionSync()"));
    },
  };

  // blockConcurrencyWhile bodies, by number, until the host starts them
  // (as an event of their own, with the input gate closed).
  const blocks = new Map();
  let nextBlock = 1;
  function blockConcurrencyWhile(fn) {
    if (typeof fn !== "function") throw new TypeError("blockConcurrencyWhile() needs a function");
    const block = nextBlock++;
    blocks.set(block, fn);
    return op("block", { block }, decode);
  }

  const sockets = globalThis.__dosim_sockets;

  function makeState(id) {
    return {
      ...sockets.ctxMethods,
      id,
      storage,
      waitUntil() {},
      blockConcurrencyWhile,
    };
  }

  // The instance of this isolate, built by the host.
  let object = null;
  const results = new Map();

  function construct(ns, className, binding, hex, name) {
    const Class = ns[className];
    if (typeof Class !== "function") {
      throw new TypeError(`the module exports no class "${className}"; it exports: ${Object.keys(ns).join(", ") || "nothing"}`);
    }
    const id = new DurableObjectId(binding, hex, name ?? undefined);
    object = new Class(makeState(id), makeEnv());
  }

  function errorOf(e) {
    if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack ?? "" };
    return { name: "Error", message: `Uncaught ${typeof e === "string" ? e : quote(e) ?? String(e)}`, stack: "" };
  }

  function dispatch(kind, name, args) {
    if (kind === "block") {
      const fn = blocks.get(Number(name));
      blocks.delete(Number(name));
      return fn();
    }
    if (kind === "rpc") {
      const method = object[name];
      if (typeof method !== "function" || name === "constructor" || !(name in Object.getPrototypeOf(object))) {
        throw new TypeError(`The RPC receiver does not implement the method "${name}".`);
      }
      return method.apply(object, decode(JSON.parse(args)));
    }
    const handler = object[kind];
    if (typeof handler !== "function") {
      if (kind === "webSocketClose" || kind === "webSocketError") return undefined;
      throw new TypeError(`Handler does not export a ${kind}() function.`);
    }
    if (kind.startsWith("webSocket")) {
      const [socket, ...rest] = JSON.parse(args);
      const ws = sockets.socketOf(socket);
      if (kind === "webSocketMessage") return handler.call(object, ws, sockets.messageOf(rest[0]));
      if (kind === "webSocketError") return handler.call(object, ws, new Error(rest[0]));
      return handler.call(object, ws, ...rest);
    }
    if (kind === "fetch") {
      const r = JSON.parse(args);
      return handler.call(object, new Request(r.url, { method: r.method, headers: r.headers, body: r.body }));
    }
    return handler.apply(object, JSON.parse(args));
  }

  function answer(kind, value) {
    // A method that returns nothing answers null, which a Rust caller reads as `()`.
    if (value === undefined) return `{"ok":null}`;
    if (kind === "rpc" || kind === "block") return `{"ok":${clone.encode(value)}}`;
    if (kind === "fetch") {
      if (!(value instanceof Response)) throw new TypeError("Incorrect type for Promise: the Promise did not resolve to 'Response'.");
      const webSocket = value.webSocket === null ? null : value.webSocket.clientOf;
      if (webSocket === undefined) throw new TypeError("a Response's webSocket must be the client end of a WebSocketPair");
      return quote({ ok: { status: value.status, headers: [...value.headers], body: value.body ?? "", webSocket } });
    }
    return `{"ok":null}`;
  }

  function invoke(callId, kind, name, args) {
    const finish = (text) => { results.set(callId, text); host.done(callId); };
    const fail = (e) => finish(quote({ err: errorOf(e) }));
    let returned;
    try {
      returned = dispatch(kind, name, args);
    } catch (e) {
      fail(e);
      return;
    }
    Promise.resolve(returned).then((v) => {
      let text;
      try { text = answer(kind, v); } catch (e) { fail(e); return; }
      finish(text);
    }, fail);
  }

  function take(callId) {
    const r = results.get(callId);
    results.delete(callId);
    return r;
  }

  Object.defineProperty(globalThis, "__dosim_workers", {
    value: { DurableObject, WorkerEntrypoint, RpcTarget, env: makeEnv(), construct, invoke, take },
  });
})();
