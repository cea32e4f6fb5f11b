// Request, Response, Headers, URL and URLSearchParams: the parts objects
// use, with text and JSON bodies.
(() => {
  class Headers {
    #map = new Map();
    constructor(init) {
      if (init instanceof Headers) init = [...init];
      else if (init && !Array.isArray(init)) init = Object.entries(init);
      for (const [k, v] of init ?? []) this.append(k, v);
    }
    append(k, v) {
      const key = String(k).toLowerCase();
      const old = this.#map.get(key);
      this.#map.set(key, old === undefined ? String(v) : `${old}, ${v}`);
    }
    set(k, v) { this.#map.set(String(k).toLowerCase(), String(v)); }
    get(k) { return this.#map.get(String(k).toLowerCase()) ?? null; }
    has(k) { return this.#map.has(String(k).toLowerCase()); }
    delete(k) { this.#map.delete(String(k).toLowerCase()); }
    forEach(fn) { for (const [k, v] of this) fn(v, k, this); }
    entries() { return [...this.#map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[Symbol.iterator](); }
    keys() { return [...this.entries()].map(([k]) => k)[Symbol.iterator](); }
    values() { return [...this.entries()].map(([, v]) => v)[Symbol.iterator](); }
    [Symbol.iterator]() { return this.entries(); }
  }

  function bodyText(body) {
    if (body === null || body === undefined) return null;
    if (typeof body === "string") return body;
    if (body instanceof ArrayBuffer) body = new Uint8Array(body);
    if (ArrayBuffer.isView(body)) {
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      let s = "";
      for (const b of bytes) s += String.fromCharCode(b);
      try { return decodeURIComponent(escape(s)); } catch { return s; }
    }
    if (body instanceof URLSearchParams) return body.toString();
    return String(body);
  }

  class Body {
    #text;
    #used = false;
    constructor(body, headers) {
      this.#text = bodyText(body);
      this.headers = new Headers(headers);
    }
    get body() { return this.#text; }
    get bodyUsed() { return this.#used; }
    async text() {
      if (this.#used) throw new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      this.#used = true;
      return this.#text ?? "";
    }
    async json() { return JSON.parse(await this.text()); }
    async arrayBuffer() {
      const t = await this.text();
      return new Uint8Array([...unescape(encodeURIComponent(t))].map((c) => c.charCodeAt(0))).buffer;
    }
  }

  class Request extends Body {
    constructor(input, init = {}) {
      const from = input instanceof Request ? input : null;
      super(init.body !== undefined ? init.body : from?.body ?? null, init.headers ?? from?.headers);
      this.url = from ? from.url : String(input);
      this.method = String(init.method ?? from?.method ?? "GET").toUpperCase();
    }
    clone() { return new Request(this); }
  }

  class Response extends Body {
    constructor(body = null, init = {}) {
      super(body, init.headers);
      this.status = init.status ?? 200;
      this.statusText = init.statusText ?? "";
      this.webSocket = init.webSocket ?? null;
      if (this.webSocket === null && (this.status < 200 || this.status > 599)) {
        throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive.`);
      }
    }
    get ok() { return this.status >= 200 && this.status < 300; }
    clone() { return new Response(this.body, this); }
    static json(value, init = {}) {
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(JSON.stringify(value), { ...init, headers });
    }
    static error() { return new Response(null, { status: 500 }); }
  }

  class URLSearchParams {
    #pairs = [];
    constructor(init = "") {
      if (typeof init === "string") {
        for (const part of init.replace(/^\?/, "").split("&")) {
          if (!part) continue;
          const i = part.indexOf("=");
          const dec = (s) => decodeURIComponent(s.replace(/\+/g, " "));
          this.#pairs.push(i < 0 ? [dec(part), ""] : [dec(part.slice(0, i)), dec(part.slice(i + 1))]);
        }
      } else {
        for (const [k, v] of Array.isArray(init) ? init : Object.entries(init)) this.append(k, v);
      }
    }
    append(k, v) { this.#pairs.push([String(k), String(v)]); }
    get(k) { return this.#pairs.find(([x]) => x === k)?.[1] ?? null; }
    getAll(k) { return this.#pairs.filter(([x]) => x === k).map(([, v]) => v); }
    has(k) { return this.#pairs.some(([x]) => x === k); }
    set(k, v) { this.delete(k); this.append(k, v); }
    delete(k) { this.#pairs = this.#pairs.filter(([x]) => x !== k); }
    [Symbol.iterator]() { return this.#pairs[Symbol.iterator](); }
    toString() { return this.#pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"); }
  }

  class URL {
    constructor(input, base) {
      let s = String(input);
      if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s)) {
        if (base === undefined) throw new TypeError(`Invalid URL string.`);
        const b = new URL(base);
        s = s.startsWith("/") ? `${b.origin}${s}` : `${b.origin}${b.pathname.replace(/[^/]*$/, "")}${s}`;
      }
      const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(?:\/\/([^/?#]*))?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(s);
      if (!m) throw new TypeError(`Invalid URL string.`);
      this.protocol = m[1].toLowerCase();
      this.host = (m[2] ?? "").toLowerCase();
      const colon = this.host.lastIndexOf(":");
      this.hostname = colon >= 0 ? this.host.slice(0, colon) : this.host;
      this.port = colon >= 0 ? this.host.slice(colon + 1) : "";
      this.pathname = m[3] || "/";
      this.searchParams = new URLSearchParams(m[4] ?? "");
      this.hash = m[5] ?? "";
    }
    get search() { const q = this.searchParams.toString(); return q ? `?${q}` : ""; }
    get origin() { return `${this.protocol}//${this.host}`; }
    get href() { return `${this.origin}${this.pathname}${this.search}${this.hash}`; }
    toString() { return this.href; }
    toJSON() { return this.href; }
  }

  Object.assign(globalThis, { Headers, Request, Response, URL, URLSearchParams });
  globalThis.fetch = async () => {
    throw new TypeError("fetch() to the Internet is not simulated by dosim: call a Durable Object stub or a service binding instead.");
  };
})();
