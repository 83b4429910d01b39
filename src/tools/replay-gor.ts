// GoReplay's file format, both ways (buger/goreplay, protocol.go and
// docs/Saving-and-Replaying-from-file.md, read 2026-12-07 at 251e45a):
//
//   <type> <id> <timestamp ns> <latency ns>\n      payloadHeader(): "%c %s %d %d\n"
//   <the raw HTTP message>
//   \n🐵🙈🙉\n                                      payloadSeparator
//
// Type 1 is a request, 2 the original answer (same id), 3 a replayed answer.
// GoReplay's reader (input_file.go) collects lines until one equals "🐵🙈🙉\n" and
// drops the "\n" before it; a header with fewer than 3 fields is skipped as
// malformed. Its documentation's own example writes requests with 3 fields (no
// latency), so the 4th is optional here too. GoReplay writes the time a message
// was seen and, for answers, how long it took (End − Start, ns).
//
// Writing, the records' bodies are what the worker read: decoded, so
// Content-Encoding and Transfer-Encoding are left out and Content-Length is the
// stored body's size. Reading, a raw message's chunked body is de-chunked and a
// gzip/deflate/br answer decoded, as fetch() does for the target's answer.
import { STATUS_CODES } from "node:http";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { bodyBytes, bodyFields, type CaptureRecord, RecordError, v1RequestHeaders } from "./replay-record";

export const GOR_SEPARATOR = "\n🐵🙈🙉\n";
const SEPARATOR_LINE = Buffer.from("🐵🙈🙉\n");
const CRLF = "\r\n";

/** Headers a raw message of ours never carries from the record: its own framing is written instead. */
const FRAMING = new Set(["host", "content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"]);

/** One record as GoReplay payloads: the request (type 1) and, when captured, v1's answer (type 2). */
export function toGor(r: CaptureRecord): Buffer {
  const id = gorId(r.id);
  const startNs = BigInt(Date.parse(r.time)) * 1_000_000n;
  const url = new URL(r.request.url);
  const reqBody = bodyBytes(r.request);
  const head = [`${r.request.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of v1RequestHeaders(r)) if (!FRAMING.has(name)) head.push(`${name}: ${value}`);
  if (reqBody.byteLength > 0) head.push(`Content-Length: ${reqBody.byteLength}`);
  // GoReplay's own HTTP input writes -1 for a request's latency (input_http.go).
  const parts: Buffer[] = [Buffer.from(`1 ${id} ${startNs} -1\n${head.join(CRLF)}${CRLF}${CRLF}`), Buffer.from(reqBody), Buffer.from(GOR_SEPARATOR)];
  const res = r.response;
  if (res) {
    const headersNs = BigInt(Math.round((r.timing?.headersMs ?? 0) * 1e6));
    const latencyNs = BigInt(Math.round((r.timing?.endMs ?? r.timing?.headersMs ?? 0) * 1e6));
    const resBody = bodyBytes(res);
    const lines = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? "Unknown"}`];
    for (const [name, value] of res.headers) if (!FRAMING.has(name)) lines.push(`${name}: ${value}`);
    lines.push(`Content-Length: ${resBody.byteLength}`);
    parts.push(Buffer.from(`2 ${id} ${startNs + headersNs} ${latencyNs}\n${lines.join(CRLF)}${CRLF}${CRLF}`), Buffer.from(resBody), Buffer.from(GOR_SEPARATOR));
  }
  return Buffer.concat(parts);
}

/** A GoReplay id is one space-free token: the request id, or a made-up one when it has none. */
function gorId(id: string): string {
  const token = id.replace(/[^\x21-\x7e]/g, "_");
  return token !== "" ? token : Math.random().toString(16).slice(2).padEnd(24, "0");
}

/** Whether bytes look like a GoReplay file: the first line is a payload header. */
export function looksLikeGor(bytes: Uint8Array): boolean {
  const firstLine = Buffer.from(bytes.subarray(0, 200)).toString("latin1").split("\n", 1)[0]!;
  return /^[123] \S+ -?\d+( -?\d+)?\r?$/.test(firstLine);
}

interface Payload {
  type: string;
  id: string;
  timestampNs: bigint;
  latencyNs?: bigint;
  data: Buffer;
}

/** A GoReplay file as records: each type-1 request, with its type-2 answer when the file has it; type 3 is ignored. */
export function parseGor(bytes: Uint8Array, name: string): CaptureRecord[] {
  const records: CaptureRecord[] = [];
  const byId = new Map<string, CaptureRecord>();
  const answers = new Map<string, Payload>();
  for (const p of payloads(Buffer.from(bytes), name)) {
    if (p.type === "1") {
      const r = requestRecord(p, name);
      records.push(r);
      byId.set(p.id, r);
    } else if (p.type === "2") answers.set(p.id, p);
  }
  for (const [id, p] of answers) {
    const r = byId.get(id);
    if (!r) continue;
    const { status, headers, body } = parseResponse(p.data, `${name}: answer ${id}`);
    r.response = { status, headers, ...bodyFields(body) };
    const startNs = BigInt(Date.parse(r.time)) * 1_000_000n;
    const headersMs = Number(p.timestampNs - startNs) / 1e6;
    if (headersMs >= 0) r.timing = { headersMs, ...(p.latencyNs !== undefined && p.latencyNs >= 0n ? { endMs: Number(p.latencyNs) / 1e6 } : {}) };
    else if (p.latencyNs !== undefined && p.latencyNs >= 0n) r.timing = { headersMs: Number(p.latencyNs) / 1e6 };
  }
  return records.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

/** GoReplay's reader: lines until the separator line; the "\n" before it is the separator's. */
function* payloads(file: Buffer, name: string): Generator<Payload> {
  let start = 0;
  let lineStart = 0;
  const flush = function* (end: number): Generator<Payload> {
    let chunk = file.subarray(start, end);
    if (chunk.at(-1) === 0x0a) chunk = chunk.subarray(0, -1);
    if (chunk.toString("latin1").trim() === "") return;
    const nl = chunk.indexOf(0x0a);
    const meta = chunk.subarray(0, nl < 0 ? chunk.length : nl).toString("latin1").trim().split(" ");
    if (meta.length < 3 || !/^-?\d+$/.test(meta[2]!)) throw new RecordError(`${name}: a payload header ${JSON.stringify(meta.join(" ").slice(0, 80))} is not "<type> <id> <timestamp ns> [latency]"`);
    const latency = meta[3] !== undefined && /^-?\d+$/.test(meta[3]) ? BigInt(meta[3]) : undefined;
    yield { type: meta[0]!, id: meta[1]!, timestampNs: BigInt(meta[2]!), ...(latency !== undefined ? { latencyNs: latency } : {}), data: nl < 0 ? Buffer.alloc(0) : chunk.subarray(nl + 1) };
  };
  while (lineStart < file.length) {
    const nl = file.indexOf(0x0a, lineStart);
    const lineEnd = nl < 0 ? file.length : nl + 1;
    const line = file.subarray(lineStart, lineEnd);
    if (line.equals(SEPARATOR_LINE) || (nl < 0 && line.equals(SEPARATOR_LINE.subarray(0, -1)))) {
      yield* flush(lineStart);
      start = lineEnd;
    }
    lineStart = lineEnd;
  }
  // A hand-written file may lack the last separator: its last payload still counts.
  yield* flush(file.length);
}

function requestRecord(p: Payload, name: string): CaptureRecord {
  const { head, body } = splitMessage(p.data);
  const [requestLine, ...lines] = head;
  const m = /^(\S+) (\S+) HTTP\/\d(?:\.\d)?$/.exec(requestLine ?? "");
  if (!m) throw new RecordError(`${name}: request ${p.id}: ${JSON.stringify((requestLine ?? "").slice(0, 80))} is not an HTTP/1 request line`);
  const headers = headerPairs(lines);
  const host = headers.find(([n]) => n === "host")?.[1] ?? "localhost";
  const target = m[2]!;
  const url = /^https?:\/\//i.test(target) ? target : `http://${host}${target.startsWith("/") ? target : `/${target}`}`;
  return {
    v: 1,
    id: p.id,
    time: new Date(Number(p.timestampNs / 1_000_000n)).toISOString(),
    route: "",
    request: { method: m[1]!, url, headers: headers.filter(([n]) => !FRAMING.has(n)), ...bodyFields(decodeBody(headers, body, false)) },
  };
}

function parseResponse(data: Buffer, where: string): { status: number; headers: [string, string][]; body: Uint8Array } {
  const { head, body } = splitMessage(data);
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(head[0] ?? "");
  if (!m) throw new RecordError(`${where}: ${JSON.stringify((head[0] ?? "").slice(0, 80))} is not an HTTP/1 status line`);
  const headers = headerPairs(head.slice(1));
  return { status: Number(m[1]), headers: headers.filter(([n]) => !FRAMING.has(n)), body: decodeBody(headers, body, true) };
}

/** Head lines and body; hand-written files may end lines with "\n" only. */
function splitMessage(data: Buffer): { head: string[]; body: Buffer } {
  const crlf = data.indexOf("\r\n\r\n");
  const lf = data.indexOf("\n\n");
  const [end, gap] = crlf >= 0 && (lf < 0 || crlf < lf) ? [crlf, 4] : lf >= 0 ? [lf, 2] : [data.length, 0];
  return { head: data.subarray(0, end).toString("latin1").split(/\r?\n/), body: data.subarray(Math.min(end + gap, data.length)) };
}

function headerPairs(lines: string[]): [string, string][] {
  return lines.filter((l) => l.includes(":")).map((l) => [l.slice(0, l.indexOf(":")).trim().toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]);
}

function decodeBody(headers: [string, string][], raw: Buffer, decode: boolean): Buffer {
  const get = (n: string) => headers.find(([h]) => h === n)?.[1]?.toLowerCase();
  let body = raw;
  if (get("transfer-encoding")?.includes("chunked")) body = dechunk(raw);
  else if (get("content-length") !== undefined && Number(get("content-length")) < raw.length) body = raw.subarray(0, Number(get("content-length")));
  const encoding = get("content-encoding");
  if (decode && body.length > 0 && encoding) {
    try {
      if (encoding === "gzip" || encoding === "x-gzip") body = gunzipSync(body);
      else if (encoding === "deflate") body = inflateSync(body);
      else if (encoding === "br") body = brotliDecompressSync(body);
    } catch {
      // A captured answer cut short cannot be decoded: compared as the bytes it is.
    }
  }
  return body;
}

/** RFC 9112 §7.1 chunked coding: size lines, data, an empty last chunk (trailers dropped). */
function dechunk(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const nl = raw.indexOf("\n", at);
    if (nl < 0) break;
    const size = parseInt(raw.subarray(at, nl).toString("latin1").split(";")[0]!.trim(), 16);
    if (!(size > 0)) break;
    out.push(raw.subarray(nl + 1, nl + 1 + size));
    at = nl + 1 + size;
    if (raw[at] === 0x0d) at++;
    if (raw[at] === 0x0a) at++;
  }
  return Buffer.concat(out);
}
