// One request on a compared route, carried out inside ctx.waitUntil: v1's answer
// teed (the client's branch streams untouched; the worker's is read up to the cap),
// the shadow's answer read instead of discarded, the noise call (v1 a second time)
// when the plan drew one, the comparison (src/compare, pure), and the counts: the
// pipeline hands every settled shadow of the route to `counted` (its outcome, and
// for a compared one what the comparison found). Any failure here is caught and
// goes on the shadow's outcome; none reaches the client.
import { compareAnswers, type CompareOutcome } from "../compare/compare-answers";
import { addCompared, addShadow, type Example } from "../compare/tally";
import { NOISE_MARKER } from "../routing/host";
import type { ForwardedPlan } from "../routing/plan";
import type { CompareSettings, Route } from "../routing/table";
import type { Answer } from "../compare/types";
import { compareKey, type CompareRecorder, type CompareRoute, type CompareStoreNamespace } from "../observe/compare-recorder";
import type { CompareSkip, ShadowOutcome } from "../observe/log";
import { readAnswer } from "./read-answer";
import { beforeDeadline } from "./deadline";
import { OVER_BUDGET, type Hold } from "./memory-budget";
import type { IsolateBudgets } from "./budgets";
import { WorkMeter } from "../compare/work-budget";
import { whereOf } from "../compare/where";

/** What the worker's environment offers for comparing (wrangler.toml bindings; either may be absent). */
export interface CompareBindings {
  COMPARE_STORE?: CompareStoreNamespace;
  COMPARE_ANALYTICS?: AnalyticsEngineDataset;
}

export interface ComparisonOptions {
  plan: ForwardedPlan;
  settings: CompareSettings;
  requestId: string;
  /** the W3C trace id of both legs, when there is one (trace-context.ts): examples carry it */
  traceId?: string | undefined;
  /** the request's method and path (no query), for examples; its scheme://host and Content-Type, for their copy-as-curl */
  method: string;
  path: string;
  origin?: string;
  contentType?: string | null;
  /** compare this request's answers (else only count its shadows) */
  compared: boolean;
  /** the second v1 call, when the plan drew one: v1's URL and the primary's headers */
  noise?: { url: string; headers: Headers };
  timeoutMs: number;
  recorder: CompareRecorder;
  bindings: CompareBindings | undefined;
  waitUntil: (promise: Promise<unknown>) => void;
  /** the isolate's memory ledger and comparison work window */
  budgets: IsolateBudgets;
  /** request.cf, read only when a compared request is counted (where.ts) */
  cf?: () => object | undefined;
}

export interface Comparison {
  /**
   * The hook where a finished shadow is counted: the pipeline calls it once per
   * settled shadow of the route (compared or not) with its outcome. Never throws
   * (a failure to count is logged as a "compare" line).
   */
  counted(outcome: ShadowOutcome): void;
  /**
   * Reads a shadow's answer and compares it with v1's; adds what it found to the
   * outcome (its durationMs, on entry, is v2's time to headers); never rejects.
   * Gives up on v1 at the shadow's deadline.
   */
  compareShadow?: (outcome: ShadowOutcome, response: Response, deadline: AbortSignal) => Promise<void>;
  /** v1 answered: returns the response for the client (its body teed when compared) */
  v1(response: Response, durationMs: number): Response;
  /** v1 did not answer (503, 504, …): nothing to compare */
  v1Failed(): void;
  /**
   * Every shadow of the request has settled (compared, failed, skipped or timed out):
   * the answers held for comparing go back to the memory ledger, even reads still going.
   */
  shadowsDone(): void;
}

type V1 = { answer: Answer; ms: number } | { skip: CompareSkip };

/** How many divergent paths a shadow's outcome lists. */
const LOGGED_PATHS = 5;

export function startComparison(o: ComparisonOptions): Comparison {
  const { settings, plan } = o;
  const { names, routes } = routeFacts(plan, settings);
  const cap = settings.maxBodyBytes;
  const outcomes = new Map<string, { outcome: CompareOutcome; v1Ms: number; v2Ms: number }>();

  const counted = (shadow: ShadowOutcome): void => {
    const route = routes.get(shadow.destination);
    if (!route) return;
    try {
      const done = outcomes.get(shadow.destination);
      const at = Date.now();
      const flush = o.recorder.add(route, o.bindings?.COMPARE_STORE, (t) => {
        addShadow(t, { error: shadow.error, skipped: shadow.skipped ?? shadow.compareSkipped }, at);
        if (done) addCompared(t, { outcome: done.outcome, v1Ms: done.v1Ms, v2Ms: done.v2Ms, example: exampleOf(o, at), where: whereOf(o.cf?.()) });
      });
      if (flush) o.waitUntil(flush);
      if (done) o.bindings?.COMPARE_ANALYTICS?.writeDataPoint(dataPoint(route, done.outcome, done.v1Ms, done.v2Ms, o.requestId));
    } catch (e) {
      o.recorder.log({ event: "compare", route: route.key, error: "count_failed", detail: (e as Error)?.message ?? String(e) });
    }
  };
  if (!o.compared) return { counted, v1: (response) => response, v1Failed() {}, shadowsDone() {} };

  const { memory, cpu } = o.budgets;
  // v1's answer once known; `settled` lets a shadow that answers after it skip the wait.
  let settled: V1 | undefined;
  let settleV1!: (v1: V1) => void;
  const v1 = new Promise<V1>((resolve) => (settleV1 = (value) => resolve((settled ??= value))));
  // What v1's and the noise answers hold in the ledger, until every shadow has settled.
  const kept = memory.hold();
  let done = false;
  // The isolate's comparisons used their second: nothing is read, nor v1 called again.
  if (!cpu.allows(Date.now())) settleV1({ skip: "cpu_budget" });
  const noise = o.noise && !settled ? callNoise(o.noise, o.method, names, cap, o.timeoutMs, kept) : undefined;

  return {
    counted,
    async compareShadow(shadow, response, deadline) {
      // Skipped already (v1 failed, or a budget): v2's answer is not read.
      if (settled && "skip" in settled) {
        response.body?.cancel().catch(() => {});
        shadow.compareSkipped = settled.skip;
        return;
      }
      const v2Ms = shadow.durationMs;
      const hold = memory.hold();
      try {
        let v2: Answer;
        try {
          v2 = await readAnswer(response, names, cap, hold);
        } catch (e) {
          shadow.compareSkipped = e === OVER_BUDGET ? "memory_budget" : "v2_unread";
          return;
        }
        // If v1 never answers in time (or a bug skipped v1()), the comparison gives up with the shadow.
        const first = settled ?? (await beforeDeadline(v1, deadline, (): V1 => ({ skip: "v1_failed" })));
        if ("skip" in first) {
          shadow.compareSkipped = first.skip;
          return;
        }
        const noiseAnswer = noise && (await noise);
        // Other comparisons may have used the isolate's second while these answers were read.
        if (!cpu.allows(Date.now())) {
          shadow.compareSkipped = "cpu_budget";
          return;
        }
        const meter = new WorkMeter();
        const outcome = compareAnswers(first.answer, v2, noiseAnswer, settings, meter);
        cpu.charge(Date.now(), meter.spentNs / 1000);
        outcomes.set(shadow.destination, { outcome, v1Ms: first.ms, v2Ms });
        shadow.compared = true;
        if (outcome.reported.length > 0) shadow.divergent = outcome.reported.slice(0, LOGGED_PATHS);
        if (outcome.reported.length > LOGGED_PATHS) shadow.divergentMore = outcome.reported.length - LOGGED_PATHS;
        if (outcome.noise) shadow.noise = true;
      } catch (e) {
        shadow.compareSkipped = "compare_failed";
        shadow.compareDetail = (e as Error)?.message ?? String(e);
      } finally {
        hold.release();
      }
    },
    v1(response, ms) {
      // Nothing left to compare with (skipped, or every shadow settled): not teed at all.
      if (settled || done) return response;
      // A sized answer the ledger has no room for is not teed either: the client's answer streams as it is.
      const declared = response.headers.get("content-length");
      if (declared !== null && !memory.fits(Math.min(Number(declared), cap))) {
        settleV1({ skip: "memory_budget" });
        return response;
      }
      // The worker reads a clone (the runtime tees the body: the client's branch streams
      // untouched, byte for byte), at once, up to the cap, then cancels it: the runtime
      // buffers for the slower branch, so a branch left unread would hold the answer.
      const mine = response.body ? response.clone() : response;
      readAnswer(mine, names, cap, kept).then(
        (answer) => settleV1({ answer, ms }),
        (e: unknown) => settleV1({ skip: e === OVER_BUDGET ? "memory_budget" : "v1_unread" }),
      );
      return response;
    },
    v1Failed() {
      settleV1({ skip: "v1_failed" });
    },
    shadowsDone() {
      done = true;
      kept.release();
    },
  };
}

interface RouteFacts {
  /** the response headers read for comparison */
  names: string[];
  /** the route's counts, one per mirror, by the mirror's cluster name */
  routes: Map<string, CompareRoute>;
}

const factsByRoute = new WeakMap<Route, RouteFacts>();

/** What every compared request of a route shares, worked out once per route and isolate (the table never changes). */
function routeFacts(plan: ForwardedPlan, settings: CompareSettings): RouteFacts {
  let facts = factsByRoute.get(plan.route);
  if (facts) return facts;
  const { virtualService, route } = plan.route.identity;
  const routes = new Map<string, CompareRoute>();
  // Every mirror of the route: an outcome only ever comes for one that was mirrored.
  for (const m of plan.mirrors) {
    const mirror = m.target.cluster.name;
    routes.set(mirror, { key: compareKey(plan.route.name, mirror), virtualService, route, mirror });
  }
  factsByRoute.set(plan.route, (facts = { names: headerNames(settings), routes }));
  return facts;
}

/** The response headers read for comparison: the configured ones and content-type (which decides how a body is lifted). */
function headerNames(settings: CompareSettings): string[] {
  return [...new Set([...settings.headers, "content-type"])];
}

/** The same request to v1 again, marked, read like the others; undefined when it fails (no noise sample then). */
function callNoise({ url, headers }: { url: string; headers: Headers }, method: string, names: string[], cap: number, timeoutMs: number, hold: Hold): Promise<Answer | undefined> {
  const marked = new Headers(headers);
  marked.set(NOISE_MARKER, "1");
  return fetch(url, { method, headers: marked, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) })
    .then((r) => readAnswer(r, names, cap, hold))
    .catch(() => undefined);
}

/**
 * One Analytics Engine point per compared request: the route as index (≤ 96 bytes),
 * names and divergent paths as blobs, statuses and latencies as doubles.
 */
/** Where an example came from; the trace id only when there is one (examples stay small). */
function exampleOf(o: ComparisonOptions, at: number): Omit<Example, "differences"> {
  const example: Omit<Example, "differences"> = { requestId: o.requestId, method: o.method, path: o.path, at };
  if (o.traceId) example.traceId = o.traceId;
  if (o.origin) example.origin = o.origin;
  if (o.contentType) example.contentType = o.contentType;
  return example;
}

function dataPoint(route: CompareRoute, outcome: CompareOutcome, v1Ms: number, v2Ms: number, requestId: string): AnalyticsEngineDataPoint {
  return {
    indexes: [utf8Prefix(route.key, 96)],
    blobs: [route.virtualService, route.route, route.mirror, outcome.reported.join(" ").slice(0, 1024), requestId],
    doubles: [outcome.v1Status, outcome.v2Status, v1Ms, v2Ms, outcome.reported.length],
  };
}

function utf8Prefix(text: string, bytes: number): string {
  let out = text;
  while (new TextEncoder().encode(out).length > bytes) out = out.slice(0, -1);
  return out;
}
