// The capture record (issue 20's shared contract with the worker's capture side):
// one JSON object per NDJSON line, read back here with every field checked, so a
// damaged line is named by its number instead of failing half-way through a replay.
// Bodies are text ("utf8") or base64; headers are [name, value] pairs, names lowercase.
// The body fields are the worker's own type (src/capture/record.ts); the record here is
// looser where a GoReplay file holds less (no route, no original answer, no timing).
import { decodeBody, encodeBody, type CapturedBody, type Pairs } from "../capture/record";

export type { CapturedBody };

export interface CaptureRecord {
  v: 1;
  id: string;
  /** ISO time of the request */
  time: string;
  /** `<virtualService>/<route>`; "" when unknown (a GoReplay file) */
  route: string;
  request: { method: string; url: string; headers: Pairs } & CapturedBody;
  /** absent when the capture holds no original answer (a GoReplay file without type 2) */
  response?: { status: number; headers: Pairs } & CapturedBody;
  timing?: { headersMs?: number; endMs?: number };
  where?: Record<string, string>;
}

export class RecordError extends Error {
  override name = "RecordError";
}

/** One NDJSON line as a record, or a RecordError naming what is wrong with it. */
export function parseRecord(line: string, where: string): CaptureRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RecordError(`${where}: not JSON`);
  }
  const r = value as Partial<CaptureRecord> | null;
  const bad = (what: string) => new RecordError(`${where}: ${what}`);
  if (!r || typeof r !== "object") throw bad("not a JSON object");
  if (r.v !== 1) throw bad(`unknown record version ${JSON.stringify(r.v)} (this replay reads v 1)`);
  if (typeof r.time !== "string" || Number.isNaN(Date.parse(r.time))) throw bad("no ISO time");
  const q = r.request;
  if (!q || typeof q.method !== "string" || typeof q.url !== "string") throw bad("no request method and URL");
  try {
    new URL(q.url);
  } catch {
    throw bad(`request URL ${JSON.stringify(q.url)} is not absolute`);
  }
  checkHeaders(q.headers, bad);
  checkBody(q, bad);
  if (r.response !== undefined) {
    if (typeof r.response.status !== "number") throw bad("response without a status");
    checkHeaders(r.response.headers, bad);
    checkBody(r.response, bad);
  }
  return { ...r, id: typeof r.id === "string" ? r.id : "", route: typeof r.route === "string" ? r.route : "" } as CaptureRecord;
}

function checkHeaders(headers: unknown, bad: (what: string) => Error): void {
  if (!Array.isArray(headers) || !headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === "string" && typeof h[1] === "string")) {
    throw bad("headers are not [name, value] pairs");
  }
}

function checkBody(b: Partial<CapturedBody>, bad: (what: string) => Error): void {
  if (b.body !== undefined && typeof b.body !== "string") throw bad("body is not a string");
  if (b.body !== undefined && b.bodyEncoding !== "utf8" && b.bodyEncoding !== "base64") throw bad(`unknown bodyEncoding ${JSON.stringify(b.bodyEncoding)}`);
  let bytes: Uint8Array;
  try {
    bytes = bodyBytes(b as CapturedBody);
  } catch {
    throw bad("body is not valid base64");
  }
  b.bodyBytes ??= bytes.byteLength;
  b.bodyTruncated ??= false;
}

/** The body's bytes as stored (the first bodyBytes when truncated); empty when there is none. The worker's decoder. */
export function bodyBytes(b: CapturedBody): Uint8Array {
  return decodeBody(b);
}

/** Whole bytes as a record's body fields, with the worker's own encoding (utf8 when valid UTF-8, else base64). */
export function bodyFields(bytes: Uint8Array): CapturedBody {
  if (bytes.byteLength === 0) return { bodyBytes: 0, bodyTruncated: false };
  return { ...encodeBody(bytes), bodyBytes: bytes.byteLength, bodyTruncated: false };
}

/** NDJSON text (several lines) as records; blank lines are skipped. */
export function parseNdjson(text: string, name: string): CaptureRecord[] {
  const records: CaptureRecord[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line !== "") records.push(parseRecord(line, `${name}:${i + 1}`));
  }
  return records;
}

/**
 * The request's headers as v1 received them, as far as the record knows: the client's,
 * plus `x-request-id` when the worker made one (the record's id: src/proxy/headers.ts
 * sets it on every request to v1, and capture stores the client's headers, not the
 * worker's), so the target's logs join the capture's and an answer that echoes it
 * matches v1's. A record read from a GoReplay file (no route) is left as it is. Not
 * restored: X-Forwarded-For (the client's address is never stored) and X-Forwarded-Proto.
 */
export function v1RequestHeaders(r: CaptureRecord): [string, string][] {
  const headers = r.request.headers;
  if (r.route === "" || r.id === "" || headers.some(([name]) => name === "x-request-id")) return headers;
  return [...headers, ["x-request-id", r.id]];
}
