// The replay itself: each captured request sent to the target at its paced time
// (its captured offset ÷ --speed, or i ÷ --rate, at most --concurrency at once),
// marked X-Edge-Mirror-Replay, and the target's answer compared with the captured v1
// answer by the worker's own comparison (src/compare: compareAnswers, the Tally),
// with noise the Diffy way when a baseline (a live v1) is given: v1-as-captured
// against the baseline's answer. No console here: the CLI (replay.ts) prints; the
// clock and fetch are injected, so pacing is tested with a fake clock.
import { createHash } from "node:crypto";
import { compareAnswers } from "../compare/compare-answers";
import { addCompared, addShadow, emptyTally, type Tally } from "../compare/tally";
import { shiftKey } from "../compare/latency-shift";
import { REDACTED } from "../compare/redact";
import type { Answer, Json } from "../compare/types";
import type { CompareSettings } from "../routing/table";
import { bodyBytes, v1RequestHeaders, type CaptureRecord } from "./replay-record";

export const REPLAY_HEADER = "x-edge-mirror-replay";
export const DEFAULT_METHODS = ["GET", "HEAD", "OPTIONS"];

/**
 * RFC 9110 §7.6.1 hop-by-hop headers, what fetch() frames itself (host, content-length),
 * and `expect`, which Node's fetch refuses ("expect header not supported") — a captured
 * `Expect: 100-continue` is about one connection, not the request.
 */
const NOT_FORWARDED = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect"]);

export type Pacing = { speed: number } | { ratePerSecond: number } | { asFastAsPossible: true };

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface ReplayOptions {
  records: readonly CaptureRecord[];
  target: URL;
  baseline?: URL;
  settings: Pick<CompareSettings, "headers" | "ignore" | "redact" | "maxBodyBytes">;
  methods: readonly string[];
  pacing: Pacing;
  concurrency: number;
  runId: string;
  timeoutMs: number;
  clock?: Clock;
  fetch?: typeof fetch;
  /** after each request is done (sent or skipped) */
  onProgress?: (done: number, total: number) => void;
  /** the first time a record carries a redacted header (sent without it) */
  onRedactedHeader?: (name: string) => void;
}

export interface ReplayResult {
  tally: Tally;
  /** requests sent to the target */
  sent: number;
  /** of those, answered by the target */
  answered: number;
  /** headers left out because capture had redacted their values, by name: how many requests */
  droppedHeaders: Record<string, number>;
  /** compared against: the captured answers, or (none captured) the baseline's */
  v1Source: "capture" | "baseline" | "none";
  /**
   * compared requests whose v1 and v2 times were measured here, together (the baseline
   * and the target called at once): only these are in the tally's latency shift
   */
  paired: number;
  durationMs: number;
}

/** When each record is due, in ms after the start. */
export function schedule(records: readonly CaptureRecord[], pacing: Pacing): number[] {
  if ("asFastAsPossible" in pacing) return records.map(() => 0);
  if ("ratePerSecond" in pacing) return records.map((_, i) => (i * 1000) / pacing.ratePerSecond);
  const first = records.length > 0 ? Date.parse(records[0]!.time) : 0;
  return records.map((r) => Math.max(0, Date.parse(r.time) - first) / pacing.speed);
}

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const clock = o.clock ?? realClock;
  const send = o.fetch ?? fetch;
  const tally = emptyTally();
  const result: ReplayResult = { tally, sent: 0, answered: 0, droppedHeaders: {}, v1Source: "none", paired: 0, durationMs: 0 };
  const captured = o.records.some((r) => r.response);
  result.v1Source = captured ? "capture" : o.baseline ? "baseline" : "none";
  const allowed = new Set(o.methods.map((m) => m.toUpperCase()));
  const due = schedule(o.records, o.pacing);
  const start = clock.now();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  const finished = () => o.onProgress?.(++done, o.records.length);

  for (let i = 0; i < o.records.length; i++) {
    const record = o.records[i]!;
    const skip = skipReason(record, allowed);
    if (skip) {
      addShadow(tally, { skipped: skip });
      finished();
      continue;
    }
    const wait = start + due[i]! - clock.now();
    if (wait > 0) await clock.sleep(wait);
    while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    // As in the worker (src/proxy/comparison.ts), a comparison that throws is counted, never fatal.
    const task = replayOne(o, record, send, clock, result)
      .catch(() => addShadow(tally, { skipped: "compare_failed" }))
      .finally(() => {
        inFlight.delete(task);
        finished();
      });
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  result.durationMs = clock.now() - start;
  return result;
}

function skipReason(r: CaptureRecord, allowed: ReadonlySet<string>): string | undefined {
  if (!allowed.has(r.request.method.toUpperCase())) return "method_not_replayed";
  if (r.request.bodyTruncated) return "request_body_truncated";
  return undefined;
}

interface Live {
  status: number;
  headers: Headers;
  body: Uint8Array;
  ms: number;
}

async function replayOne(o: ReplayOptions, record: CaptureRecord, send: typeof fetch, clock: Clock, result: ReplayResult): Promise<void> {
  const { tally } = result;
  const request = outgoing(o, record, result);
  const call = (base: URL, extra?: Record<string, string>) => callOnce(send, clock, base, record, request, o.timeoutMs, extra);
  const baseline = o.baseline ? call(o.baseline) : undefined;
  // Without a captured answer, the baseline is v1 and a second call to it is the noise (Diffy's two v1s).
  const baselineAgain = o.baseline && !record.response ? call(o.baseline) : undefined;
  result.sent++;
  const v2 = await call(o.target);
  if ("error" in v2) {
    addShadow(tally, { error: v2.error });
    await Promise.all([baseline, baselineAgain]);
    return;
  }
  result.answered++;
  const names = [...new Set([...o.settings.headers.map((h) => h.toLowerCase()), "content-type"])];
  const cap = o.settings.maxBodyBytes;
  let v1: { answer: Answer; ms: number; prefix?: number; redactedPaths: Json[][] } | undefined;
  let noise: Live | { error: string } | undefined;
  if (record.response) {
    const res = record.response;
    const withoutRedacted = names.filter((n) => !res.headers.some(([h, v]) => h === n && v === REDACTED));
    v1 = { ...capturedAnswer(res, withoutRedacted, cap), ms: record.timing?.headersMs ?? 0 };
    noise = baseline && (await baseline);
  } else {
    const first = baseline && (await baseline);
    noise = baselineAgain && (await baselineAgain);
    if (first && !("error" in first)) v1 = { answer: liveAnswer(first, names, cap, undefined, []), ms: first.ms, redactedPaths: [] };
  }
  if (!v1) {
    addShadow(tally, { skipped: o.baseline ? "baseline_failed" : "no_v1_answer" });
    return;
  }
  const noiseAnswer = noise && !("error" in noise) ? liveAnswer(noise, names, cap, v1.prefix, v1.redactedPaths) : undefined;
  const outcome = compareAnswers(v1.answer, liveAnswer(v2, names, cap, v1.prefix, v1.redactedPaths), noiseAnswer, o.settings);
  // v1's latency: the baseline's when it answered (measured from here, at the same time as
  // v2's: a pair), else the captured one (at the edge, at another moment: not a pair).
  const baselineMs = noise && !("error" in noise) ? noise.ms : undefined;
  const v1Ms = baselineMs !== undefined && record.response ? baselineMs : v1.ms;
  const paired = !record.response || baselineMs !== undefined;
  addShadow(tally, {}, Date.parse(record.time));
  const url = new URL(record.request.url);
  addCompared(tally, { outcome, v1Ms, v2Ms: v2.ms, example: { requestId: record.id, method: record.request.method, path: url.pathname, at: Date.parse(record.time) } });
  if (paired) result.paired++;
  else unpair(tally, v1Ms, v2.ms);
}

/**
 * Takes back the latency-shift count addCompared made for a request whose two times are
 * not a pair (v1's captured at the edge, v2's measured here): v2 − v1 would mix the two
 * places, networks and moments. Its p50 and p99 histograms keep both, labelled so.
 */
function unpair(t: Tally, v1Ms: number, v2Ms: number): void {
  if (!Number.isFinite(v2Ms - v1Ms)) return;
  const key = shiftKey(v2Ms - v1Ms);
  const n = t.latencyShift[key] ?? 0;
  if (n > 1) t.latencyShift[key] = n - 1;
  else delete t.latencyShift[key];
}

/** The request as sent: captured headers minus hop-by-hop, framing and redacted ones, plus the replay's marks. */
function outgoing(o: ReplayOptions, record: CaptureRecord, result: ReplayResult): { headers: [string, string][]; body?: Uint8Array } {
  const headers: [string, string][] = [];
  const url = new URL(record.request.url);
  // Headers the Connection header names are hop-by-hop too (RFC 9110 §7.6.1).
  const captured = v1RequestHeaders(record);
  const hopByHop = new Set(captured.filter(([n]) => n === "connection").flatMap(([, v]) => v.split(",").map((x) => x.trim().toLowerCase())));
  for (const [name, value] of captured) {
    if (NOT_FORWARDED.has(name) || hopByHop.has(name) || name === REPLAY_HEADER) continue;
    if (value === REDACTED) {
      if (result.droppedHeaders[name] === undefined) o.onRedactedHeader?.(name);
      result.droppedHeaders[name] = (result.droppedHeaders[name] ?? 0) + 1;
      continue;
    }
    headers.push([name, value]);
  }
  // Host is the target's (fetch sets it); the captured one travels as X-Forwarded-Host, as the worker's shadows do.
  if (!headers.some(([n]) => n === "x-forwarded-host")) headers.push(["x-forwarded-host", url.host]);
  headers.push([REPLAY_HEADER, o.runId]);
  const body = bodyBytes(record.request);
  const method = record.request.method.toUpperCase();
  return method === "GET" || method === "HEAD" || body.byteLength === 0 ? { headers } : { headers, body };
}

async function callOnce(
  send: typeof fetch,
  clock: Clock,
  base: URL,
  record: CaptureRecord,
  request: { headers: [string, string][]; body?: Uint8Array },
  timeoutMs: number,
  extra?: Record<string, string>,
): Promise<Live | { error: string }> {
  const captured = new URL(record.request.url);
  const url = new URL(base);
  url.pathname = base.pathname.replace(/\/$/, "") + captured.pathname;
  url.search = captured.search;
  const headers = new Headers(request.headers);
  for (const [n, v] of Object.entries(extra ?? {})) headers.set(n, v);
  const started = clock.now();
  try {
    const response = await send(url, { method: record.request.method, headers, body: request.body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    const ms = clock.now() - started;
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, body, ms };
  } catch (e) {
    const err = e as { name?: string; cause?: { code?: string; name?: string } };
    return { error: err.name === "TimeoutError" || err.cause?.name === "TimeoutError" ? "timeout" : "connect_failed" };
  }
}

/**
 * The captured answer as the worker would have read it: the compared headers (several
 * values joined with ", ") and the body. Past the compare cap, or when capture kept
 * only its first bytes, it is a digest of its first `prefix` bytes and its size, and
 * the live answers are digested the same way (src/proxy/read-answer.ts's rule).
 * Body fields capture redacted are returned as paths, to be redacted on the live side too.
 */
function capturedAnswer(res: NonNullable<CaptureRecord["response"]>, names: readonly string[], cap: number): { answer: Answer; prefix?: number; redactedPaths: Json[][] } {
  const headers: Record<string, string> = {};
  for (const [name, value] of res.headers) if (names.includes(name)) headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  const bytes = bodyBytes(res);
  const answer: Answer = { status: res.status, headers };
  if (res.bodyTruncated || bytes.byteLength > cap) {
    const prefix = Math.min(bytes.byteLength, cap);
    answer.overCap = { sha256: digest(bytes.subarray(0, prefix), res.bodyBytes) };
    return { answer, prefix, redactedPaths: [] };
  }
  if (bytes.byteLength > 0) answer.body = bytes;
  return { answer, redactedPaths: redactedPaths(bytes, headers["content-type"]) };
}

function liveAnswer(live: Live, names: readonly string[], cap: number, prefix: number | undefined, redacted: readonly Json[][]): Answer {
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = live.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const answer: Answer = { status: live.status, headers };
  if (prefix !== undefined || live.body.byteLength > cap) {
    answer.overCap = { sha256: digest(live.body.subarray(0, prefix ?? cap), live.body.byteLength) };
  } else if (live.body.byteLength > 0) answer.body = redacted.length > 0 ? redactAt(live.body, redacted) : live.body;
  return answer;
}

function digest(bytes: Uint8Array, length: number): string {
  return `${createHash("sha256").update(bytes).digest("hex")};length=${length}`;
}

/** Where a captured JSON body holds "[redacted]" (capture's `redact` paths): those values are unknown, not different. */
function redactedPaths(bytes: Uint8Array, contentType: string | undefined): Json[][] {
  if (!/json/i.test(contentType ?? "") || !bytes.includes(0x5b)) return [];
  let value: Json;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as Json;
  } catch {
    return [];
  }
  const out: Json[][] = [];
  const walk = (v: Json, at: Json[]) => {
    if (v === REDACTED) out.push(at);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(value, []);
  return out;
}

function redactAt(bytes: Uint8Array, paths: readonly Json[][]): Uint8Array {
  let value: Json;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as Json;
  } catch {
    return bytes;
  }
  for (const path of paths) {
    let node: Json = value;
    for (let i = 0; i < path.length; i++) {
      if (node === null || typeof node !== "object") break;
      const key = path[i] as string | number;
      const container = node as Record<string | number, Json>;
      if (!(key in container)) break;
      if (i === path.length - 1) container[key] = REDACTED;
      else node = container[key]!;
    }
  }
  return new TextEncoder().encode(JSON.stringify(value));
}
