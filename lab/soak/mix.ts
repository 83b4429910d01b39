// What the soak sends: a deterministic mix (seeded, so a failing run can be replayed
// with SOAK_SEED) of methods and body sizes below, at and above the shadow body cap,
// half of the bodies chunked, each request with a raw path and query the worker must
// pass through byte for byte.
import type { IncomingHttpHeaders } from "node:http";

export const KiB = 1024;
export const MiB = 1024 * 1024;

export type Random = () => number;

/** One request of the soak: what is sent, then (filled in by the client) what came back. */
export interface SoakRequest {
  id: string;
  kind: string;
  method: string;
  /** null: no body at all */
  size: number | null;
  chunked: boolean;
  path: string;
  /** a shadow is expected at v2 (body ≤ cap) */
  eligible: boolean;
  sha256: string;
  bytesSent: number;
  status: number;
  latencyMs: number;
  error: string;
  answer: Buffer | null;
  answerHeaders: IncomingHttpHeaders;
}

/** Small deterministic PRNG (mulberry32). */
export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Kind {
  kind: string;
  /** share of the mix */
  share: number;
  methods: string[];
  /** body size; null: no body */
  size: ((r: Random) => number) | null;
}

function kinds(cap: number): Kind[] {
  const between = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  return [
    { kind: "GET", share: 18, methods: ["GET"], size: null },
    { kind: "HEAD", share: 7, methods: ["HEAD"], size: null },
    { kind: "DELETE", share: 7, methods: ["DELETE"], size: null },
    { kind: "OPTIONS", share: 5, methods: ["OPTIONS"], size: null },
    { kind: "empty", share: 2, methods: ["POST", "PUT"], size: () => 0 },
    { kind: "tiny", share: 24, methods: ["POST", "PUT"], size: (r) => between(r, 1, KiB) },
    { kind: "medium", share: 16, methods: ["POST", "PUT"], size: (r) => between(r, 56 * KiB, 72 * KiB) },
    { kind: "near-cap", share: 12, methods: ["POST", "PUT"], size: (r) => between(r, 900 * KiB, cap) },
    { kind: "at-cap ±1", share: 3, methods: ["POST", "PUT"], size: (r) => cap - 1 + Math.floor(r() * 3) },
    { kind: "over-cap", share: 6, methods: ["POST", "PUT"], size: (r) => between(r, Math.round(1.1 * MiB), 2 * MiB) },
  ];
}

/** `n` requests of the mix, ids `<run>-<i>`. */
export function plan(run: string, n: number, cap: number, seed: number): SoakRequest[] {
  const r = prng(seed);
  const table = kinds(cap);
  const total = table.reduce((s, k) => s + k.share, 0);
  const out: SoakRequest[] = [];
  for (let i = 0; i < n; i++) {
    let x = r() * total;
    const k = table.find((k) => (x -= k.share) < 0) ?? table[0]!;
    const method = k.methods[Math.floor(r() * k.methods.length)]!;
    const size = k.size ? k.size(r) : null;
    // Bodies: half with Content-Length, half chunked (written in pieces, no length).
    const chunked = size !== null && r() < 0.5;
    out.push(makeRequest(`${run}-${i}`, k.kind, method, size, chunked, cap, r));
  }
  return out;
}

export function makeRequest(id: string, kind: string, method: string, size: number | null, chunked: boolean, cap: number, r: Random = Math.random): SoakRequest {
  const query = r() < 0.3 ? `?id=${id}&q=a%20b%2Fc&empty=&x=${Math.floor(r() * 1e6)}` : `?id=${id}`;
  return {
    id,
    kind,
    method,
    size,
    chunked,
    path: `/anything/${kind.replace(/[^a-z]+/gi, "-")}/${id}${query}`,
    eligible: size === null || size <= cap,
    sha256: "",
    bytesSent: 0,
    status: 0,
    latencyMs: 0,
    error: "",
    answer: null,
    answerHeaders: {},
  };
}
