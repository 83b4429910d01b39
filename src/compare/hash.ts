// Short, stable, non-cryptographic hashes of JSON values and byte strings: what the
// comparison stores instead of values, and how it tells equal subtrees apart cheaply.
// The same value hashes the same in every isolate and every release of this code.
import type { Json, JsonObject } from "./types";

// Two 32-bit lanes, kept as a 53-bit number (a safe integer: no allocation, cheap to
// compare) and shown as 14 hex digits. Lane A is FNV-1a; lane B is the same
// xor-multiply step with MurmurHash2's multiplier, another basis and a shift, so a
// collision in one lane is not one in the other. The diff trusts equal hashes to
// mean equal subtrees, and 32 bits alone collide once in ~65,000 pairs of distinct
// elements (birthday bound) — too often for arrays of thousands.
const FNV_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const B_BASIS = 0x9747b28c;
const B_MULTIPLIER = 0x5bd1e995;
const TWO_32 = 0x1_0000_0000;

// Type tags: "1", 1, true and null never share a hash, nor [] and {}.
const NULL = 1;
const FALSE = 2;
const TRUE = 3;
const NUMBER = 4;
const STRING = 5;
const ARRAY = 6;
const OBJECT = 7;

/** MurmurHash3's finaliser: spreads the last inputs' bits over the whole word. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 21 bits of lane A above 32 bits of lane B: a safe integer. */
function finish(a: number, b: number): number {
  return (fmix32(a) >>> 11) * TWO_32 + fmix32(b);
}

/** A hash as 14 hex digits, the form that is stored and shown. */
export function hashHex(hash: number): string {
  return hash.toString(16).padStart(14, "0");
}

function hashStringNumber(s: string): number {
  let a = Math.imul(FNV_BASIS ^ STRING, FNV_PRIME);
  let b = B_BASIS ^ STRING;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, B_MULTIPLIER);
    b ^= b >>> 15;
  }
  return finish(a, b);
}

// A number is hashed by its IEEE 754 bits, read little-endian whatever the machine.
const numberBits = new DataView(new ArrayBuffer(8));

function hashPrimitive(value: null | boolean | number | string): number {
  if (typeof value === "string") return hashStringNumber(value);
  if (value === null) return finish(FNV_BASIS ^ NULL, B_BASIS ^ NULL);
  if (typeof value === "boolean") return value ? finish(FNV_BASIS ^ TRUE, B_BASIS ^ TRUE) : finish(FNV_BASIS ^ FALSE, B_BASIS ^ FALSE);
  // -0 and 0 are one JSON number (=== agrees): hash the same bits.
  numberBits.setFloat64(0, value === 0 ? 0 : value, true);
  const low = numberBits.getUint32(0, true);
  const high = numberBits.getUint32(4, true);
  let a = Math.imul(FNV_BASIS ^ NUMBER, FNV_PRIME);
  let b = B_BASIS ^ NUMBER;
  a = Math.imul(a ^ low, FNV_PRIME);
  b = Math.imul(b ^ low, B_MULTIPLIER);
  b ^= b >>> 15;
  a = Math.imul(a ^ high, FNV_PRIME);
  b = Math.imul(b ^ high, B_MULTIPLIER);
  b ^= b >>> 15;
  return finish(a, b);
}

/** 14 hex digits over a byte string (bodies that are neither JSON nor text). */
export function hashBytes(data: Uint8Array): string {
  let a = FNV_BASIS;
  let b = B_BASIS;
  for (let i = 0; i < data.length; i++) {
    const c = data[i]!;
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, B_MULTIPLIER);
    b ^= b >>> 15;
  }
  return hashHex(finish(a, b));
}

type Container = Json[] | JsonObject;

/** A hash function over JSON values (53-bit numbers; hashHex shows them). */
export type JsonHasher = (value: Json) => number;

/**
 * A hasher with its own cache. Within one comparison every array and object is
 * hashed once, however many times the diff asks (arrays ask for their elements'
 * hashes, deep subtrees for their own), so the whole comparison stays linear.
 * Objects that differ only in key order hash the same.
 */
export function createHasher(): JsonHasher {
  // A Map, not a WeakMap: it lives for one comparison, and ephemeron tables made
  // the garbage collector the largest cost of a 256 KiB diff.
  const cache = new Map<Container, number>();
  return function hash(value: Json): number {
    if (value === null || typeof value !== "object") return hashPrimitive(value);
    return cache.get(value) ?? hashContainer(value, cache);
  };
}

/** One-off hash of a JSON value, as 14 hex digits. */
export function hashJson(value: Json): string {
  return hashHex(createHasher()(value));
}

// The lanes of the container being closed. Only hashContainer's closing step uses
// them, and the primitives it hashes meanwhile keep their own lanes in locals.
let la = 0;
let lb = 0;

function mix(w: number): void {
  la = Math.imul(la ^ w, FNV_PRIME);
  lb = Math.imul(lb ^ w, B_MULTIPLIER);
  lb ^= lb >>> 15;
}

function mixHash(h: number): void {
  mix(Math.floor(h / TWO_32));
  mix(h >>> 0);
}

/** One key and its value's hash, mixed into one hash (order matters here: key, then value). */
function entryHash(key: string, value: number): number {
  let a = FNV_BASIS;
  let b = B_BASIS;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, B_MULTIPLIER);
    b ^= b >>> 15;
  }
  // A separator no UTF-16 code unit can be, then the value's two words.
  a = Math.imul(a ^ 0x10000, FNV_PRIME);
  b = Math.imul(b ^ 0x10000, B_MULTIPLIER);
  b ^= b >>> 15;
  const high = Math.floor(value / TWO_32);
  a = Math.imul(a ^ high, FNV_PRIME);
  b = Math.imul(b ^ high, B_MULTIPLIER);
  b ^= b >>> 15;
  a = Math.imul(a ^ value, FNV_PRIME);
  b = Math.imul(b ^ value, B_MULTIPLIER);
  b ^= b >>> 15;
  return finish(a, b);
}

function childHash(v: Json, cache: Map<Container, number>): number {
  if (v === null || typeof v !== "object") return hashPrimitive(v);
  const h = cache.get(v);
  if (h === undefined) throw new Error("hashJson: a child was not hashed before its parent");
  return h;
}

// Post-order with an explicit stack: a 256 KiB body can nest 100,000 levels deep,
// far past the call stack, and JSON.parse accepts it. A node is pushed once to
// open it (its containers are pushed above it) and found again to close it.
// Values are trees or DAGs, as JSON.parse makes them; a cyclic value is not JSON.
function hashContainer(root: Container, cache: Map<Container, number>): number {
  const nodes: Container[] = [root];
  const closing: boolean[] = [false];
  while (nodes.length > 0) {
    const node = nodes.pop()!;
    if (!closing.pop()) {
      if (cache.has(node)) continue;
      nodes.push(node);
      closing.push(true);
      if (Array.isArray(node)) {
        for (const child of node) {
          if (child !== null && typeof child === "object") {
            nodes.push(child);
            closing.push(false);
          }
        }
      } else {
        for (const key in node) {
          const child = node[key]!;
          if (child !== null && typeof child === "object") {
            nodes.push(child);
            closing.push(false);
          }
        }
      }
      continue;
    }
    if (Array.isArray(node)) {
      la = FNV_BASIS ^ ARRAY;
      lb = B_BASIS ^ ARRAY;
      mix(node.length);
      for (const element of node) mixHash(childHash(element, cache));
    } else {
      // Entries are summed, so key order does not matter and nothing is sorted.
      let high = 0;
      let low = 0;
      let count = 0;
      for (const key in node) {
        const entry = entryHash(key, childHash(node[key]!, cache));
        high = (high + Math.floor(entry / TWO_32)) | 0;
        low = (low + entry) | 0;
        count++;
      }
      la = FNV_BASIS ^ OBJECT;
      lb = B_BASIS ^ OBJECT;
      mix(count);
      mix(high);
      mix(low);
    }
    cache.set(node, finish(la, lb));
  }
  return cache.get(root)!;
}
