// A route's report per endpoint (issue 21 item 2): each endpoint's fields judged with
// its own noise (Diffy: noise is per endpoint), its divergent requests counted once
// each, Wilson's interval, the paired latency shift and a verdict by the route's gate;
// then the route's verdict with its endpoints': any endpoint failing fails the route,
// so agreement on one path can no longer hide divergence on another.
//
// An endpoint with no noise sample of its own (noise calls are a sample: a small
// endpoint may have none) takes each field's status from the route's, rather than
// calling every timestamp divergent for want of evidence.
//
// Inconclusive endpoints: one with at least the gate's minCompared requests whose
// interval still spans the limit holds the route at inconclusive (it may be failing:
// more traffic will tell). One with fewer requests (too small to judge) does not
// hold a passing route back; it can still fail it, since a fail needs no minimum.
import { keyOf, OTHER_ENDPOINT, OVERFLOW_SET, type EndpointTally } from "./endpoint-tally";
import { latencyShift, type LatencyShift } from "./latency-shift";
import { classifyField } from "./noise";
import { pathMatches } from "./path";
import type { DiffKind } from "./types";
import { routeVerdict, wilsonInterval, type Gate, type Verdict } from "./verdict";

export interface EndpointFieldReport {
  path: string;
  kind: DiffKind;
  divergent: number;
  noise: number;
  status: "divergent" | "noise" | "ignored";
}

export interface EndpointReport {
  /** `GET /users/{id}`, or "other" for the endpoints past the first MAX_ENDPOINTS */
  endpoint: string;
  compared: number;
  divergent: number;
  noiseSamples: number;
  divergencePercent: number | null;
  confidenceInterval: { low: number; high: number };
  latencyShiftMs: LatencyShift;
  verdict: Verdict;
  /**
   * its fields, divergent first: at most REPORT_FIELDS, and REPORT_FIELD_BYTES of paths
   * over all endpoints; a path the route did not keep (past its limits) is not listed
   */
  fields: EndpointFieldReport[];
  /** fields not listed (past those caps) */
  fieldsOmitted: number;
}

/** An endpoint lists at most this many fields in the report … */
export const REPORT_FIELDS = 1;
/** … and all endpoints' listed paths together at most this many UTF-8 bytes (the report stays < 256 KiB). */
export const REPORT_FIELD_BYTES = 2 * 1024;

const ORDER = { divergent: 0, noise: 1, ignored: 2 };
const VERDICT_ORDER: Record<Verdict, number> = { fail: 0, inconclusive: 1, pass: 2 };

/**
 * Every endpoint of the tally, failing first, then by compared requests. `routeStatus`
 * is the route's field paths with their status, `sets` its path sets (JSON text): the
 * endpoint keeps their hashes only.
 */
export function endpointReports(
  endpoints: Readonly<Record<string, EndpointTally>>,
  routeStatus: ReadonlyMap<string, EndpointFieldReport["status"]>,
  sets: readonly string[],
  settings: { gate: Gate; ignore: readonly string[] },
): EndpointReport[] {
  const pathOf = new Map([...routeStatus.keys()].map((p) => [keyOf(p), p]));
  const setOf = new Map(sets.map((s) => [keyOf(s), s]));
  let budget = REPORT_FIELD_BYTES;
  const out = Object.entries(endpoints).map(([endpoint, e]): EndpointReport & { all: EndpointFieldReport[] } => {
    const status = new Map<string, EndpointFieldReport["status"]>();
    const all = Object.entries(e.fields).map(([key, { kind, divergent, noise }]) => {
      const path = pathOf.get(key);
      const field = {
        path: path ?? "?",
        kind,
        divergent,
        noise,
        status:
          path !== undefined && settings.ignore.some((p) => pathMatches(p, path))
            ? ("ignored" as const)
            : path !== undefined && e.noiseSamples === 0
              ? routeStatus.get(path)!
              : classifyField({ kind, divergent: Math.min(divergent, e.compared), noise: Math.min(noise, e.noiseSamples) }, e).status,
      };
      status.set(key, field.status);
      return field;
    });
    let divergent = 0;
    for (const [key, n] of Object.entries(e.signatures)) {
      const set = key === OVERFLOW_SET ? undefined : setOf.get(key);
      // A set or path not kept counts against v2, as at the route.
      if (set === undefined || (JSON.parse(set) as string[]).some((p) => (status.get(keyOf(p)) ?? "divergent") === "divergent")) divergent += n;
    }
    divergent = Math.min(divergent, e.compared);
    const shift = latencyShift(e.shift);
    const interval = wilsonInterval(divergent, e.compared);
    all.sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.divergent - a.divergent || a.path.localeCompare(b.path));
    return {
      endpoint,
      compared: e.compared,
      divergent,
      noiseSamples: e.noiseSamples,
      divergencePercent: e.compared > 0 ? round((divergent / e.compared) * 100) : null,
      confidenceInterval: { low: round(interval.low * 100), high: round(interval.high * 100) },
      latencyShiftMs: shift,
      verdict: routeVerdict(e.compared, divergent, shift, settings.gate),
      fields: [],
      fieldsOmitted: 0,
      all,
    };
  });
  out.sort((a, b) => VERDICT_ORDER[a.verdict] - VERDICT_ORDER[b.verdict] || b.compared - a.compared || a.endpoint.localeCompare(b.endpoint));
  // The field lists are cut in that order, so the failing endpoints' fields are the ones shown.
  return out.map(({ all, ...r }) => {
    for (const f of all) {
      const n = new TextEncoder().encode(f.path).length;
      if (f.path !== "?" && r.fields.length < REPORT_FIELDS && n <= budget) {
        r.fields.push(f);
        budget -= n;
      } else r.fieldsOmitted++;
    }
    return r;
  });
}

/**
 * The route's verdict once its endpoints are judged: any endpoint failing fails it;
 * a pass becomes inconclusive while an endpoint with at least minCompared requests
 * is inconclusive; otherwise the route's own verdict.
 */
export function withEndpoints(route: Verdict, endpoints: readonly Pick<EndpointReport, "verdict" | "compared">[], gate: Gate): Verdict {
  if (endpoints.some((e) => e.verdict === "fail")) return "fail";
  if (route === "pass" && endpoints.some((e) => e.verdict === "inconclusive" && e.compared >= gate.minCompared)) return "inconclusive";
  return route;
}

/** Why the endpoints decided the route's verdict, naming them; undefined when they did not. */
export function endpointsReason(endpoints: readonly Pick<EndpointReport, "endpoint" | "verdict" | "compared" | "divergencePercent">[], gate: Gate): string | undefined {
  const failing = endpoints.filter((e) => e.verdict === "fail");
  if (failing.length > 0) {
    const named = failing.slice(0, 3).map((e) => `${e.endpoint === OTHER_ENDPOINT ? "the other endpoints" : e.endpoint} (${e.divergencePercent} % of ${e.compared})`);
    return `endpoint ${named.join(", ")}${failing.length > 3 ? ` and ${failing.length - 3} more` : ""} failing`;
  }
  const open = endpoints.filter((e) => e.verdict === "inconclusive" && e.compared >= gate.minCompared);
  if (open.length > 0) return `endpoint ${open[0]!.endpoint} still inconclusive after ${open[0]!.compared} compared`;
  return undefined;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
