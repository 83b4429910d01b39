// Structured logs: one JSON line per request, carrying the primary's outcome and
// every shadow's (Envoy writes one access-log line per request). A mirrored
// request's line is written when its shadows have settled (bounded by the shadow
// deadline); any other request's, at response time. What Workers Logs records per
// invocation (method, URL, the worker's status, wall and CPU time) is not repeated.
// Workers Logs ([observability] in wrangler.toml) indexes the fields; `wrangler dev`
// prints them. The format, with a sample of each shape: docs/operations.md "Logs".
// A line is at most MAX_LOG_LINE_BYTES (boundedJson): whatever a client or v2 sends.
import { fitsBytes } from "../compare/path";

/**
 * Why the worker answered itself, or why the primary failed. A closed set, so
 * dashboards and alerts can rely on it.
 */
export type RequestError =
  | "no_virtual_service"
  | "no_route"
  | "no_destination"
  | "fault_abort"
  | "upstream_unavailable"
  | "upstream_timeout"
  | "upstream_interim_response"
  /** a bug in edge-mirror: `detail` has the message */
  | "internal";

export interface RequestLog {
  event: "request";
  /** x-request-id as sent to v1 and v2 (kept from the client when plain, else a fresh UUID) */
  requestId: string;
  /** the W3C trace id both legs carry: the client's valid traceparent's, or one the worker started (src/proxy/trace-context.ts) */
  traceId?: string;
  virtualService?: string;
  route?: string;
  destination?: string;
  /** the status the client got */
  status: number;
  /** time to the client's response headers */
  durationMs: number;
  error?: RequestError;
  /** the runtime's message for an internal error */
  detail?: string;
  /** set when MIRROR_PERCENT_CAP could not be read: mirroring is stopped until it is fixed */
  killSwitch?: string;
  /** set when MIRROR_MEMORY_BUDGET_MIB could not be used as it is: the budget that applies instead */
  memoryBudget?: string;
  /** tries of the primary, when retries made more than one */
  tries?: number;
  /** injected by a fault policy */
  faultDelayMs?: number;
  /** set when this request is a shadow coming back through the worker */
  returningShadow?: true;
  /** one per mirror sampled for this request, in the order they settled; absent when none was */
  shadows?: ShadowOutcome[];
}

export type ShadowError = "connect_failed" | "timeout";
/** kill_switch: a fresh isolate's first read of the pause switch capped the request out (src/proxy/switch-gate.ts) */
/** memory_budget: the isolate's memory ledger had no room for the body copy (src/proxy/memory-budget.ts) */
export type ShadowSkip = "body_too_large" | "body_incomplete" | "kill_switch" | "memory_budget";

/**
 * How one shadow ended: built once where it settles (src/proxy/shadow.ts), handed to
 * the route's counts (src/proxy/comparison.ts) and to the request's log line.
 */
export interface ShadowOutcome {
  /** the mirror's cluster */
  destination: string;
  /** status of the shadow origin's answer (which is discarded) */
  status?: number;
  /** `detail` has the runtime's message */
  error?: ShadowError;
  detail?: string;
  /** the shadow was not sent */
  skipped?: ShadowSkip;
  /** from the shadows' start to this outcome */
  durationMs: number;
  /** the shadow's answer was compared with v1's (MirrorPolicy compare) */
  compared?: true;
  /** where they differed (ignored paths left out): the first few */
  divergent?: string[];
  /** how many more paths differed than `divergent` lists */
  divergentMore?: number;
  /** a noise sample: v1 was also compared with itself */
  noise?: true;
  /** why a shadow that was to be compared was not (v1_failed, compare_failed, …) */
  compareSkipped?: CompareSkip;
  /** a compare_failed's message */
  compareDetail?: string;
}

/** Why a request drawn for comparison was not compared, though its shadow was answered. */
/**
 * memory_budget: the isolate's memory ledger had no room for an answer (src/proxy/memory-budget.ts);
 * cpu_budget: this isolate's comparisons used their share of the last second (src/compare/work-budget.ts).
 */
export type CompareSkip = "v1_failed" | "v1_unread" | "v2_unread" | "compare_failed" | "memory_budget" | "cpu_budget";

/** Why a compared route's counts could not be counted or stored (stored ones are kept for the next try). */
export interface CompareLog {
  event: "compare";
  /** the route's Durable Object name */
  route: string;
  error: "store_failed" | "count_failed";
  detail: string;
}

/**
 * The pause switch's Durable Object could not be read (src/switch/switch-cache.ts):
 * the isolate keeps the caps it knew, or stops mirroring if it knew none, and tries
 * again within a second.
 */
export interface SwitchLog {
  event: "switch";
  error: "read_failed";
  detail: string;
}

export type Logger = (line: RequestLog) => void;

/**
 * MIRROR_ACCESS_LOG: which requests get their line (Envoy's access-log filters; Istio's
 * default profile has access logging off). `all` (the default, and for any other value):
 * every request. `notable`: only a line that says something went differently (see
 * `isNotable`); a plain success, v1 and every shadow answered below 500 and nothing
 * skipped or divergent, is left to Workers Logs' own per-invocation record.
 */
export type AccessLogMode = "all" | "notable";

export function accessLogMode(raw: string | undefined): AccessLogMode {
  if (raw === undefined) return "all";
  // Read on every request, parsed once per value (an isolate's variables do not change).
  if (raw !== lastRaw) {
    lastRaw = raw;
    lastMode = raw.trim().toLowerCase() === "notable" ? "notable" : "all";
  }
  return lastMode;
}

let lastRaw: string | undefined;
let lastMode: AccessLogMode = "all";

/**
 * Whether a request's line is written under MIRROR_ACCESS_LOG=notable: the worker
 * answered itself or v1 failed (an error, or a 5xx), the primary was retried, a fault
 * delay was injected, a variable could not be read, or any shadow failed, was skipped,
 * answered with another status than the client got or a 5xx, was not compared as
 * drawn, or diverged.
 */
export function isNotable(line: RequestLog): boolean {
  if (line.error !== undefined || line.status >= 500 || line.killSwitch !== undefined || line.memoryBudget !== undefined || line.tries !== undefined || line.faultDelayMs !== undefined) return true;
  const shadows = line.shadows;
  if (shadows === undefined) return false;
  for (const s of shadows) {
    if (s.error !== undefined || s.skipped !== undefined || s.compareSkipped !== undefined || s.divergent !== undefined || (s.status !== undefined && (s.status >= 500 || s.status !== line.status))) return true;
  }
  return false;
}

export const jsonLogger: Logger = (line) => console.log(boundedJson(line));
export const jsonCompareLogger = (line: CompareLog): void => console.log(boundedJson(line));
export const jsonSwitchLogger = (line: SwitchLog): void => console.log(boundedJson(line));

/** A log line's JSON text is at most this many UTF-8 bytes. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;

/**
 * `JSON.stringify(line)`, or, past `max` bytes, the line with `truncated: true` and
 * every string over 512 characters cut to 512 (ending in "…") and every list to its
 * first 8 elements; then 64 characters if that was not enough. A line is a few dozen
 * fields, so the second pass fits: at most 6 bytes per character once escaped. A line
 * that fits costs one stringify and a length check.
 */
export function boundedJson(line: object, max: number = MAX_LOG_LINE_BYTES): string {
  let text = JSON.stringify(line);
  for (const chars of [512, 64]) {
    if (fitsBytes(text, max)) break;
    text = JSON.stringify({ ...line, truncated: true }, (_, v: unknown) =>
      typeof v === "string" && v.length > chars ? `${v.slice(0, chars)}…` : Array.isArray(v) ? v.slice(0, 8) : v,
    );
  }
  return fitsBytes(text, max) ? text : JSON.stringify({ event: (line as { event?: unknown }).event, truncated: true });
}

/** Capture (src/capture/batcher.ts): a batch flushed, dropped, or capture skipped for want of a bucket. */
export interface CaptureLog {
  event: "capture";
  route?: string;
  /** "flushed": a batch written; "no_bucket": logged once per isolate; the rest: records dropped */
  outcome: "flushed" | "no_bucket" | "bucket_error" | "too_large" | "memory_budget" | "count_failed" | "record_failed";
  records?: number;
  bytes?: number;
  key?: string;
  detail?: string;
}

export const jsonCaptureLogger = (line: CaptureLog): void => console.log(boundedJson(line));
