// One captured exchange as the record the replay side reads (the shared contract:
// docs/capture.md): the request as the client sent it and v1's answer, bodies up to
// the route's cap, and every secret replaced before the record exists as text —
// authorization, proxy-authorization, cookie and set-cookie always, and the route's
// `redact` paths (compare's syntax, src/compare/path.ts) in headers and JSON bodies.
// Pure: tested in Node and run in the worker.
import { ANY, segmentMatches, splitPath } from "../compare/path";
import { REDACTED, redactAt } from "../compare/redact";
import type { Json } from "../compare/types";

export const RECORD_VERSION = 1;

/** Replaced whatever the route says: they carry credentials (the contract's list). */
export const CAPTURE_REDACTED_HEADERS: readonly string[] = ["authorization", "proxy-authorization", "cookie", "set-cookie"];

/**
 * Not stored at all: the client's address and Cloudflare's own request headers
 * (cf-connecting-ip, cf-ray, …), personal data a replay has no use for.
 */
const DROPPED_HEADERS = new Set(["x-forwarded-for", "x-real-ip", "true-client-ip", "cdn-loop"]);

export type Pairs = [string, string][];

export interface CapturedBody {
  body?: string;
  bodyEncoding?: "utf8" | "base64";
  /** the original size */
  bodyBytes: number;
  bodyTruncated: boolean;
}

export interface CaptureRecord {
  v: 1;
  id: string;
  time: string;
  route: string;
  request: { method: string; url: string; headers: Pairs } & CapturedBody;
  response: { status: number; headers: Pairs } & CapturedBody;
  timing: { headersMs: number; endMs: number };
  where: { colo?: string; country?: string; httpProtocol?: string };
}

/** What the worker kept of a body: the first bytes (up to the cap), and the original size. */
export interface BodyPrefix {
  bytes: Uint8Array;
  size: number;
  truncated: boolean;
}

/** A route's redact paths, split once per route. */
export interface Redaction {
  /** header name patterns (lowercase, or *) */
  headers: string[];
  /** /body/… patterns, split */
  body: string[][];
}

export function redaction(paths: readonly string[]): Redaction {
  const out: Redaction = { headers: [...CAPTURE_REDACTED_HEADERS], body: [] };
  for (const path of paths) {
    const p = splitPath(path);
    if (!p) continue;
    if (p[0] === "headers") out.headers.push(p[1] ?? ANY);
    else if (p[0] === "body") out.body.push(p);
  }
  return out;
}

/** Headers as [name, value] pairs (lowercase names, as the runtime iterates them), secrets replaced. */
export function headerPairs(headers: Headers, r: Redaction): Pairs {
  const out: Pairs = [];
  for (const [name, value] of headers) {
    if (DROPPED_HEADERS.has(name) || name.startsWith("cf-")) continue;
    out.push([name, r.headers.some((p) => segmentMatches(p, name)) ? REDACTED : value]);
  }
  return out;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as text when they are valid UTF-8 (a BOM kept), else undefined. */
function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The record's one body encoding, shared by the worker (capturedBody) and the replay
 * tools (src/tools/replay-record.ts): text when the bytes are valid UTF-8, byte for
 * byte, else base64. decodeBody gives the same bytes back.
 */
export function encodeBody(bytes: Uint8Array): { body: string; bodyEncoding: "utf8" | "base64" } {
  const text = utf8Text(bytes);
  return text !== undefined ? { body: text, bodyEncoding: "utf8" } : { body: base64(bytes), bodyEncoding: "base64" };
}

/** A record's body as bytes (encodeBody's inverse); empty when there is none. Throws on base64 that is not. */
export function decodeBody(b: Pick<CapturedBody, "body" | "bodyEncoding">): Uint8Array {
  if (b.body === undefined) return new Uint8Array(0);
  if (b.bodyEncoding !== "base64") return new TextEncoder().encode(b.body);
  const binary = atob(b.body);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/**
 * A body for the record: text when its bytes are valid UTF-8, else base64. With body
 * redact paths, a JSON body has those fields replaced; a body that is not JSON (or
 * was cut at the cap, so cannot be parsed) is replaced whole: what cannot be read
 * cannot be redacted, and is not stored.
 */
export function capturedBody(prefix: BodyPrefix | undefined, r: Redaction): CapturedBody {
  if (!prefix || prefix.size === 0) return { bodyBytes: 0, bodyTruncated: false };
  const out: CapturedBody = { bodyBytes: prefix.size, bodyTruncated: prefix.truncated };
  if (r.body.length > 0) {
    const text = prefix.truncated ? undefined : utf8Text(prefix.bytes);
    out.body = (text !== undefined ? redactJsonText(text, r.body) : undefined) ?? REDACTED;
    out.bodyEncoding = "utf8";
    return out;
  }
  return { ...out, ...encodeBody(prefix.bytes) };
}

/** The JSON text with the patterns' values replaced; undefined when it is not JSON. */
function redactJsonText(text: string, patterns: string[][]): string | undefined {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  let out = value;
  for (const p of patterns) out = p.length === 1 ? REDACTED : redactAt(out, p, 1);
  // Unchanged: the original text, byte for byte (its spacing is part of what v1 sent).
  return out === value ? text : JSON.stringify(out);
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
