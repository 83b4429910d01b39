// W3C Trace Context (https://www.w3.org/TR/trace-context/ and Level 2) for the two legs
// of a mirrored request, so a shadow can be found in the traces it causes downstream
// (issue 21; asked of Istio and Envoy in istio#21700, #11475, #23496, envoy#10257):
//
// - a valid client `traceparent`: v1 gets it as sent (and `tracestate`); the shadow gets
//   the same trace id and flags with a span id of its own, plus `baggage` with
//   `edge-mirror.role=shadow` appended to the client's;
// - an invalid one: v1 gets what the client sent (the worker forwards it as a pass-through
//   service does: "Pass-through services should not analyze the version", trace-context
//   §Versioning of traceparent; Envoy without a tracer forwards request headers as they
//   are), and the shadow gets none: a trace context the worker could not parse is not
//   added to the request the worker makes (trace-context processing model, forwarding
//   mode: "If either trace-id or parent-id is invalid, the tracing system does not add
//   the trace context to any outgoing requests");
// - none valid and MirrorPolicy `trace: {percent}` draws the request: the worker starts a
//   sampled trace (flags 01) on both legs, one span id each, and removes `tracestate`
//   (processing model, restarting a trace: "creates a new traceparent header and
//   removes all entries from tracestate").
//
// Pure: the header values in, the decision out; randomness is passed in.
import { drawPerMillion, type Random } from "../routing/sample";

export interface TraceParent {
  version: string;
  traceId: string;
  parentId: string;
  flags: string;
}

/** What the request's two legs carry. */
export interface TraceDecision {
  /** the trace both legs belong to; absent when the client's traceparent was invalid and no trace was started */
  traceId?: string;
  /** v1's traceparent when the worker started the trace (else v1 gets what the client sent) */
  primary?: string;
  /** the shadow's traceparent; absent = the shadow carries no trace context */
  shadow?: string;
}

/** A random UUID v4 (crypto.randomUUID; injectable for tests): where new ids come from. */
export type RandomUuid = () => string;

const uuidCrypto: RandomUuid = () => crypto.randomUUID();

// version-traceid-parentid-flags, lowercase hex only; anything after a 4th "-" is a later version's.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/**
 * A `traceparent` value, or undefined when it is not valid: version `ff` is forbidden,
 * all-zero ids are invalid, hex is lowercase only (HEXDIGLC). Version 00 is exactly 55
 * characters; a higher version is parsed for its first four fields and may carry more
 * after a "-" (trace-context §Versioning of traceparent).
 */
export function parseTraceparent(value: string): TraceParent | undefined {
  const m = TRACEPARENT.exec(value);
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE_ID || parentId === ZERO_SPAN_ID) return undefined;
  return { version, traceId, parentId, flags };
}

/**
 * The trace decision for one forwarded request. `sent`: its traceparent (one header read,
 * nothing else when it is absent and `tracePerMillion` is not set); `mirrored`: whether
 * any shadow goes out; `tracePerMillion`: MirrorPolicy `trace.percent` in millionths.
 */
export function decideTrace(
  sent: string | null,
  mirrored: boolean,
  tracePerMillion: number | undefined,
  random: Random,
  uuid: RandomUuid = uuidCrypto,
): TraceDecision | undefined {
  const parent = sent === null ? undefined : parseTraceparent(sent);
  if (parent) {
    if (!mirrored) return { traceId: parent.traceId };
    // A later version is sent on as version 00, the highest this worker knows (§Versioning).
    return { traceId: parent.traceId, shadow: traceparent(parent.traceId, spanId(uuid), parent.flags) };
  }
  if (!mirrored) return undefined;
  if (tracePerMillion !== undefined && tracePerMillion > 0 && drawPerMillion(random) < tracePerMillion) {
    // A UUID v4 as a trace id: 122 random bits, the version digit makes it never all zeros.
    const traceId = hex(uuid);
    return { traceId, primary: traceparent(traceId, spanId(uuid), "01"), shadow: traceparent(traceId, spanId(uuid), "01") };
  }
  return sent === null ? undefined : {};
}

/** v1's headers: a trace the worker started replaces what the client sent. */
export function applyPrimaryTrace(headers: Headers, decision: TraceDecision): void {
  if (decision.primary === undefined) return;
  headers.set("traceparent", decision.primary);
  headers.delete("tracestate");
}

/** The shadow's headers (a copy of v1's): its own span, and the baggage member; or no trace context at all. */
export function applyShadowTrace(headers: Headers, decision: TraceDecision): void {
  if (decision.shadow === undefined) {
    headers.delete("traceparent");
    headers.delete("tracestate");
    return;
  }
  headers.set("traceparent", decision.shadow);
  headers.set("baggage", shadowBaggage(headers.get("baggage")));
}

export function traceparent(traceId: string, parentId: string, flags: string): string {
  return `00-${traceId}-${parentId}-${flags}`;
}

/**
 * A span id: the last 8 bytes of a UUID v4, in hex. They begin with its variant bits
 * (10xxxxxx), so the id is never all zeros; the other 62 bits are random.
 */
export function spanId(uuid: RandomUuid = uuidCrypto): string {
  return hex(uuid).slice(16);
}

function hex(uuid: RandomUuid): string {
  return uuid().replace(/-/g, "");
}

/** The W3C Baggage member the shadow carries, so downstream services can tag their telemetry. */
export const SHADOW_BAGGAGE_KEY = "edge-mirror.role";
export const SHADOW_BAGGAGE = `${SHADOW_BAGGAGE_KEY}=shadow`;

/**
 * W3C Baggage §Limits: a platform must propagate at least 64 list-members and 8192 bytes.
 * The shadow's baggage stays within both, so every conforming service passes it on whole.
 */
export const MAX_BAGGAGE_BYTES = 8192;
export const MAX_BAGGAGE_MEMBERS = 64;

// list-member = key OWS "=" OWS value *( OWS ";" OWS property ); key = token (RFC 7230);
// value = *baggage-octet; property = key OWS "=" OWS value / key.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const VALUE = "[\\x21\\x23-\\x2B\\x2D-\\x3A\\x3C-\\x5B\\x5D-\\x7E]*";
const MEMBER = new RegExp(`^[ \\t]*(${TOKEN})[ \\t]*=[ \\t]*${VALUE}(?:[ \\t]*;[ \\t]*${TOKEN}(?:[ \\t]*=[ \\t]*${VALUE})?)*[ \\t]*$`);

/**
 * The shadow's `baggage`: the client's list-members, then `edge-mirror.role=shadow`
 * (a client member with that key is dropped, so there is one). When the client's baggage
 * is malformed, or would take the total past 64 members or 8192 bytes, the shadow gets
 * only the edge-mirror member: Baggage allows dropping members that are malformed or over
 * the limits (§Mutating baggage), and dropping all of them never forwards a list the
 * worker could not read whole, nor cuts one in a place the client did not choose.
 */
export function shadowBaggage(client: string | null): string {
  if (client === null || client === "") return SHADOW_BAGGAGE;
  const members = client.split(",");
  if (members.length > MAX_BAGGAGE_MEMBERS) return SHADOW_BAGGAGE;
  const kept: string[] = [];
  let bytes = SHADOW_BAGGAGE.length;
  for (const member of members) {
    const m = MEMBER.exec(member);
    if (!m) return SHADOW_BAGGAGE;
    if (m[1] === SHADOW_BAGGAGE_KEY) continue;
    const trimmed = member.trim();
    bytes += trimmed.length + 1;
    kept.push(trimmed);
  }
  // Header values are byte strings and a valid member is ASCII: characters are bytes.
  if (kept.length >= MAX_BAGGAGE_MEMBERS || bytes > MAX_BAGGAGE_BYTES) return SHADOW_BAGGAGE;
  kept.push(SHADOW_BAGGAGE);
  return kept.join(",");
}
