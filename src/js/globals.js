// The globals a Worker sees, made deterministic, and the plumbing between
// the host (Rust) and the object: asynchronous host operations, handler
// invocation and results. Runs once per instance, before the user module.
(() => {
  const host = globalThis.__dosim_host;
  delete globalThis.__dosim_host;
  const clone = globalThis.__dosim_clone;
  const hidden = (name, value) => Object.defineProperty(globalThis, name, { value });

  // Errors the host reports as {name, message}, rebuilt as JS errors.
  const ERRORS = { TypeError, RangeError, SyntaxError, DataCloneError: clone.DataCloneError };
  function makeError(e) {
    const Kind = ERRORS[e.name] ?? Error;
    const err = new Kind(e.message);
    if (!ERRORS[e.name] && e.name !== "Error") err.name = e.name;
    return err;
  }
  function unwrap(text) {
    // Most writes answer this; no parse for it.
    if (text === `{"ok":null}`) return null;
    const r = JSON.parse(text);
    if ("err" in r) throw makeError(r.err);
    return r.ok;
  }

  // A synchronous host call: arguments as an object, the answer decoded.
  const call = (kind, args) => unwrap(host.call(kind, JSON.stringify(args ?? null)));

  // An asynchronous host operation: a promise the host settles later,
  // when the simulated operation (storage, a timer, a call) ends.
  const pending = new Map();
  function opText(kind, text, map) {
    const id = host.start(kind, text);
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject, map }));
  }
  const op = (kind, args, map) => opText(kind, JSON.stringify(args ?? null), map);
  hidden("__dosim_settle", (id, text) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    try {
      const value = unwrap(text);
      p.resolve(p.map ? p.map(value) : value);
    } catch (e) {
      p.reject(e);
    }
  });

  // Deterministic time: the simulated clock, in UTC whatever the machine's zone.
  const RealDate = Date;
  function SimDate(...args) {
    if (!new.target) return new RealDate(host.now()).toString();
    return Reflect.construct(RealDate, args.length === 0 ? [host.now()] : args, new.target);
  }
  SimDate.prototype = RealDate.prototype;
  SimDate.now = () => host.now();
  SimDate.UTC = RealDate.UTC;
  SimDate.parse = RealDate.parse;
  const proto = RealDate.prototype;
  proto.constructor = SimDate;
  for (const part of ["FullYear", "Month", "Date", "Day", "Hours", "Minutes", "Seconds", "Milliseconds"]) {
    proto[`get${part}`] = proto[`getUTC${part}`];
    if (part !== "Day") proto[`set${part}`] = proto[`setUTC${part}`];
  }
  proto.getTimezoneOffset = () => 0;
  proto.toString = proto.toUTCString;
  globalThis.Date = SimDate;
  Math.random = () => host.random();
  const startMs = host.now();
  globalThis.performance = { now: () => host.now() - startMs, timeOrigin: startMs };

  function randomBytes(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(host.random() * 256);
    return out;
  }
  globalThis.crypto = {
    randomUUID() {
      const b = randomBytes(16);
      b[6] = (b[6] & 0x0f) | 0x40;
      b[8] = (b[8] & 0x3f) | 0x80;
      const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    },
    getRandomValues(array) {
      const bytes = randomBytes(array.byteLength);
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
      return array;
    },
  };

  // console.* lines go into the run's trace.
  function show(v) {
    if (typeof v === "string") return v;
    if (v instanceof Error) return v.stack ? `${v.name}: ${v.message}\n${v.stack}` : `${v.name}: ${v.message}`;
    if (typeof v === "function") return `[Function ${v.name || "(anonymous)"}]`;
    if (v instanceof Map) return `Map(${v.size}) ${show([...v])}`;
    if (v instanceof Set) return `Set(${v.size}) ${show([...v])}`;
    try {
      const text = JSON.stringify(v, (_, x) => (typeof x === "bigint" ? `${x}n` : x === undefined ? "undefined" : x));
      return text === undefined ? String(v) : text;
    } catch {
      return String(v);
    }
  }
  const log = (level) => (...args) => host.log(level, args.length === 1 ? show(args[0]) : args.map(show).join(" "));
  globalThis.console = { log: log("log"), info: log("info"), warn: log("warn"), error: log("error"), debug: log("debug") };

  // Timers on simulated time. A timer lives as long as the event that set it.
  let nextTimer = 1;
  const cancelled = new Set();
  globalThis.setTimeout = (fn, ms = 0, ...args) => {
    const id = nextTimer++;
    op("sleep", { ms: Math.max(0, Number(ms) || 0) }).then(() => {
      if (cancelled.delete(id)) return;
      fn(...args);
    });
    return id;
  };
  globalThis.clearTimeout = (id) => { cancelled.add(id); };
  globalThis.scheduler = { wait: (ms) => op("sleep", { ms: Math.max(0, Number(ms) || 0) }) };

  hidden("__dosim_internal", { host, call, op, opText, makeError });
})();
