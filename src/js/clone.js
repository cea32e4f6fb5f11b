// Structured clone for values crossing storage and RPC, as JSON text.
//
// Plain JSON values encode as themselves, so Rust code reads a stored
// number or string as it would its own. Everything JSON cannot say (Date,
// Map, Set, typed arrays, undefined, BigInt, NaN, -0, RegExp, Error, an
// object with a "$t" key) becomes {"$t": kind, "v": payload}. What
// structured clone refuses (functions, symbols, promises, cycles) throws
// DataCloneError, as workerd does.
(() => {
  const TYPED = [
    Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
    Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
  ];

  class DataCloneError extends Error {
    constructor(message) { super(message); this.name = "DataCloneError"; }
  }

  function refuse(value) {
    let text;
    try { text = typeof value === "symbol" ? value.toString() : String(value); }
    catch { text = Object.prototype.toString.call(value); }
    throw new DataCloneError(`${text} could not be cloned.`);
  }

  function tag(t, v) { return { $t: t, v }; }

  function toTree(value, ancestors) {
    switch (typeof value) {
      case "string": case "boolean": return value;
      case "number":
        if (Number.isNaN(value)) return tag("Number", "NaN");
        if (value === Infinity) return tag("Number", "Infinity");
        if (value === -Infinity) return tag("Number", "-Infinity");
        if (Object.is(value, -0)) return tag("Number", "-0");
        return value;
      case "undefined": return tag("undefined", null);
      case "bigint": return tag("BigInt", value.toString());
      case "function": case "symbol": return refuse(value);
    }
    if (value === null) return null;
    if (ancestors.has(value)) {
      throw new DataCloneError("a value that contains itself could not be cloned (dosim does not clone cycles).");
    }
    ancestors.add(value);
    try {
      if (value instanceof Date) return tag("Date", value.getTime());
      if (value instanceof RegExp) return tag("RegExp", [value.source, value.flags]);
      if (value instanceof Map) return tag("Map", [...value].map(([k, v]) => [toTree(k, ancestors), toTree(v, ancestors)]));
      if (value instanceof Set) return tag("Set", [...value].map((v) => toTree(v, ancestors)));
      if (value instanceof ArrayBuffer) return tag("ArrayBuffer", [...new Uint8Array(value)]);
      for (const T of TYPED) {
        if (value instanceof T) return tag(T.name, [...value].map((x) => (typeof x === "bigint" ? x.toString() : toTree(x, ancestors))));
      }
      if (value instanceof Error) return tag("Error", [value.name, value.message, value.stack ?? ""]);
      if (value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet) return refuse(value);
      if (Array.isArray(value)) return value.map((v) => toTree(v, ancestors));
      const out = {};
      for (const key of Object.keys(value)) out[key] = toTree(value[key], ancestors);
      return Object.prototype.hasOwnProperty.call(out, "$t") ? tag("Object", out) : out;
    } finally {
      ancestors.delete(value);
    }
  }

  function fromTree(tree) {
    if (tree === null || typeof tree !== "object") return tree;
    if (Array.isArray(tree)) {
      // A loop, not map: every call's arguments come through here.
      const out = new Array(tree.length);
      for (let i = 0; i < tree.length; i++) out[i] = fromTree(tree[i]);
      return out;
    }
    if (!Object.prototype.hasOwnProperty.call(tree, "$t")) {
      const out = {};
      for (const key of Object.keys(tree)) out[key] = fromTree(tree[key]);
      return out;
    }
    const v = tree.v;
    switch (tree.$t) {
      case "undefined": return undefined;
      case "Number": return Number(v);
      case "BigInt": return BigInt(v);
      case "Date": return new Date(v);
      case "RegExp": return new RegExp(v[0], v[1]);
      case "Map": return new Map(v.map(([k, x]) => [fromTree(k), fromTree(x)]));
      case "Set": return new Set(v.map(fromTree));
      case "ArrayBuffer": return new Uint8Array(v).buffer;
      case "Error": { const e = new Error(v[1]); e.name = v[0]; e.stack = v[2]; return e; }
      case "Object": return fromTree(v);
    }
    const T = TYPED.find((t) => t.name === tree.$t);
    if (T) return T.from(v.map((x) => (T === BigInt64Array || T === BigUint64Array ? BigInt(x) : fromTree(x))));
    throw new DataCloneError(`unknown cloned value kind ${tree.$t}`);
  }

  const clone = {
    DataCloneError,
    // JSON text of `value`, or DataCloneError. A string, a boolean or a
    // finite number other than -0 is its own tree: no walk for it.
    encode(value) {
      const kind = typeof value;
      if (kind === "string") return JSON.stringify(value);
      if (kind === "boolean" || (kind === "number" && Number.isFinite(value) && !Object.is(value, -0))) {
        return String(value);
      }
      return JSON.stringify(toTree(value, new Set()));
    },
    // The value of a tree parsed from `encode`'s JSON.
    decode: fromTree,
  };
  Object.defineProperty(globalThis, "__dosim_clone", { value: clone });
  globalThis.structuredClone = (value) => fromTree(JSON.parse(clone.encode(value)));
})();
