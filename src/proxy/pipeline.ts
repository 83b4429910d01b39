// One request through the worker: the decision step (src/routing/plan.ts) says what
// happens; this file only carries it out — headers, the body copy, the primary
// fetched with retries, the shadows in ctx.waitUntil (where nothing they do can
// reach the client), each settled shadow handed to the route's counts, and the
// request's one log line (RequestLine, below).
import type { CompareSettings, Route, RouteTable } from "../routing/table";
import { planRequest, type AnsweredPlan, type ForwardedPlan } from "../routing/plan";
import { requestFacts, trustedRequestId, withRequestId, type RequestFacts } from "../routing/request-facts";
import { pickOrigin } from "../routing/load-balance";
import { mirrorCap } from "../routing/kill-switch";
import { lowerCap } from "../routing/per-million";
import { SHADOW_MARKER } from "../routing/host";
import type { Random } from "../routing/sample";
import { forwardHeaders, hasHopByHop, stripHopByHop } from "./headers";
import { applyHeaderOps, applyShadowHeaders, withResponseOps, type FormatContext } from "./header-ops";
import { shortAnswer } from "./forward";
import { forwardWithRetries } from "./retry";
import { tapBody, type BodyCopy } from "./body-tap";
import { sendShadows, type ShadowSettled, type ShadowTarget } from "./shadow";
import { withCorsHeaders } from "./cors";
import { edgeResponse } from "./local-answers";
import { startComparison, type CompareBindings, type Comparison } from "./comparison";
import type { CompareRecorder } from "../observe/compare-recorder";
import { shadowsAfterSwitch } from "./switch-gate";
import type { SwitchLookup } from "../switch/switch-cache";
import { isNotable, type AccessLogMode, type Logger, type RequestError, type RequestLog, type ShadowOutcome } from "../observe/log";
import { memoryBudget } from "./memory-budget";
import type { IsolateBudgets } from "./budgets";
import type { CaptureBatcher } from "../capture/batcher";
import { startCapture, tapForCapture, type Capture } from "../capture/capture";
import type { BodyPrefix } from "../capture/record";
import { applyPrimaryTrace, applyShadowTrace, decideTrace, type TraceDecision } from "./trace-context";

export interface PipelineContext {
  table: RouteTable;
  random: Random;
  log: Logger;
  /** MIRROR_ACCESS_LOG: every request's line (all), or only the notable ones */
  accessLog?: AccessLogMode;
  /** MIRROR_PERCENT_CAP as the worker's environment has it */
  mirrorPercentCap: string | undefined;
  /** the pause switch as this isolate knows it (src/switch/switch-cache.ts); absent without its binding */
  mirrorSwitch?: SwitchLookup;
  waitUntil: (promise: Promise<unknown>) => void;
  /** compared routes' counts, batched in this isolate (MirrorPolicy compare) */
  recorder?: CompareRecorder;
  /** the worker's environment: where the counts go */
  bindings?: CompareBindings & { CAPTURES?: R2Bucket };
  budgets: IsolateBudgets;
  /** MIRROR_MEMORY_BUDGET_MIB as the worker's environment has it */
  memoryBudgetMib: string | undefined;
  /** captured routes' records, batched in this isolate (MirrorPolicy capture) */
  capture?: CaptureBatcher;
}

/**
 * `url`: request.url, when the caller has read it already. Written without async
 * functions (as forward.ts): each async layer is a promise and microtask hops more on
 * every request; only a fault delay or a buffered body waits before the primary is sent.
 */
export function handleRequest(request: Request, ctx: PipelineContext, url = request.url): Promise<Response> {
  const started = Date.now();
  // Every getter and Headers call crosses into the runtime: read each once.
  const incoming = request.headers;
  const method = request.method;
  // Before routing, as Envoy's connection manager does (mutateRequestHeaders runs before
  // the route is chosen): a route matching on x-request-id sees the id the request goes out with.
  const sentId = incoming.get("x-request-id");
  const requestId = trustedRequestId(sentId) ?? crypto.randomUUID();
  // GET and HEAD never carry a body here (requestFacts): their body getter is not called.
  const facts = requestFacts(method, url, withRequestId(incoming, sentId, requestId, ctx.table), method !== "GET" && method !== "HEAD" && request.body !== null);
  const record = new RequestLine(requestId, started, ctx.log, ctx.accessLog === "notable");
  const line = record.line;
  // What Envoy %VARIABLE%s in header values read; request.cf only when one asks.
  const format: FormatContext = { facts, startedMs: started, protocol: () => request.cf?.httpProtocol as string | undefined, request: facts.headers };
  try {
    const cap = mirrorCap(ctx.mirrorPercentCap);
    if (cap.invalid) line.killSwitch = cap.invalid;
    const budget = memoryBudget(ctx.memoryBudgetMib);
    ctx.budgets.memory.limit = budget.bytes;
    if (budget.invalid) line.memoryBudget = budget.invalid;
    // The pause switch composes with the variable: the lower cap wins.
    const paused = ctx.mirrorSwitch?.caps;
    const capPerMillion = lowerCap(cap.perMillion, paused?.perMillion);
    const plan = planRequest(ctx.table, facts, { random: ctx.random, capPerMillion, routeCaps: paused?.routes });
    if (plan.action === "refuse") {
      if (plan.virtualService) line.virtualService = plan.virtualService;
      return Promise.resolve(record.respond(shortAnswer(plan.status, plan.message), plan.error));
    }
    line.virtualService = plan.virtualService;
    line.route = plan.route.name;
    if (plan.faultDelayMs !== undefined) {
      line.faultDelayMs = plan.faultDelayMs;
      return new Promise((resolve) => setTimeout(resolve, plan.faultDelayMs)).then(() => proceed(request, facts, plan, requestId, record, ctx, format, url, started));
    }
    return proceed(request, facts, plan, requestId, record, ctx, format, url, started);
  } catch (e) {
    return Promise.resolve(internal(record, e));
  }
}

/** A bug in edge-mirror: the client gets a short 500 and the log says which request. */
function internal(record: RequestLine, e: unknown): Response {
  record.line.detail = (e as Error)?.message ?? String(e);
  return record.respond(shortAnswer(500, "internal error"), "internal");
}

/** After the fault delay, if any: the worker's own answer, or the request forwarded. */
function proceed(
  request: Request,
  facts: RequestFacts,
  plan: AnsweredPlan | ForwardedPlan,
  requestId: string,
  record: RequestLine,
  ctx: PipelineContext,
  format: FormatContext,
  url: string,
  started: number,
): Promise<Response> {
  try {
    if (plan.action === "answer") {
      const { kind } = plan.answer;
      const error = kind === "fault_abort" || kind === "no_destination" ? kind : undefined;
      const response = edgeResponse(plan.answer, plan.route, plan.corsOrigin, format);
      return Promise.resolve(record.respond(kind === "preflight" || kind === "no_destination" ? response : withCors(plan, response), error));
    }
    // A route's own retries need the body again: read first (bounded by the body cap, plan.ts).
    if (plan.body === "buffer") return request.arrayBuffer().then((b) => forwardPlanned(request, facts, plan, requestId, record, ctx, format, url, started, new Uint8Array(b)));
    return forwardPlanned(request, facts, plan, requestId, record, ctx, format, url, started, undefined);
  } catch (e) {
    return Promise.resolve(internal(record, e));
  }
}

/** `buffered`: the request's body, read whole when the plan says "buffer". */
function forwardPlanned(
  request: Request,
  facts: RequestFacts,
  plan: ForwardedPlan,
  requestId: string,
  record: RequestLine,
  ctx: PipelineContext,
  format: FormatContext,
  clientUrl: string,
  started: number,
  buffered: Uint8Array | undefined,
): Promise<Response> {
  const { route, destination, shadow } = plan;
  const line = record.line;
  line.destination = destination.cluster.name;
  if (plan.returningShadow) line.returningShadow = true;

  const headers = forwardHeaders(facts.headers, {
    forwardedHost: plan.forwardedHost,
    proto: facts.scheme,
    clientIp: facts.headers.get("cf-connecting-ip"),
    requestId,
    upgrade: plan.upgrade,
  });
  // Route-level request headers reach the shadow too; destination-level ones do not (Istio).
  applyHeaderOps(headers, route.headers?.request, format);
  // W3C Trace Context (trace-context.ts): one header read; nothing more without a traceparent or trace.percent.
  const trace = decideTrace(headers.get("traceparent"), plan.mirrored > 0, shadow.settings.trace?.perMillion, ctx.random);
  if (trace?.traceId) line.traceId = trace.traceId;
  if (trace) applyPrimaryTrace(headers, trace);
  // A copy: fetch() may read the headers it is given after it returns.
  const shadowHeaders = plan.mirrored > 0 ? shadowHeadersFrom(new Headers(headers), plan, format, trace) : undefined;
  applyHeaderOps(headers, destination.headers?.request, format);

  let body: ReadableStream | Uint8Array | null = plan.body === "none" ? null : request.body;
  let copy: Promise<BodyCopy> | undefined;
  let abandon: (() => void) | undefined;
  if (buffered) {
    // Read for the route's retries; held longer for the shadows, so counted in the ledger then.
    const bytes = buffered;
    body = bytes;
    const hold = plan.mirrored > 0 ? ctx.budgets.memory.reserve(bytes.byteLength) : undefined;
    copy = Promise.resolve(hold ? { ok: true, bytes, release: hold.release } : { ok: false, reason: "memory_budget" });
  } else if (plan.body === "too_large") copy = Promise.resolve({ ok: false, reason: "body_too_large" });
  else if (plan.body === "tap" && body instanceof ReadableStream) {
    const tap = tapBody(body, facts.contentLength, shadow.settings.bodyCapBytes, ctx.budgets.memory);
    body = tap.body;
    copy = tap.copy;
    abandon = tap.abandon;
  }
  // Captured (MirrorPolicy capture): the worker's own copy of the body, read up to the capture's cap.
  let capture: Capture | undefined;
  const captureSettings = plan.capture ? shadow.settings.capture : undefined;
  const sinks = { bucket: ctx.bindings?.CAPTURES, store: ctx.bindings?.COMPARE_STORE };
  // What the worker may hold for the record's two bodies, reserved in the isolate's ledger first.
  const captureBytes = captureSettings ? captureSettings.maxBodyBytes + (body === null ? 0 : Math.min(captureSettings.maxBodyBytes, facts.contentLength ?? Infinity)) : 0;
  const captureHold = captureSettings && ctx.capture?.ready(sinks.bucket) ? ctx.budgets.memory.reserve(captureBytes) : undefined;
  if (captureSettings && ctx.capture && sinks.bucket && !captureHold) ctx.capture.drop(route.name, "memory_budget", sinks, ctx.waitUntil, `${captureBytes} bytes`);
  if (captureSettings && ctx.capture && captureHold) {
    let captured: Promise<BodyPrefix> | undefined;
    if (body instanceof Uint8Array) {
      const kept = body.byteLength > captureSettings.maxBodyBytes ? body.subarray(0, captureSettings.maxBodyBytes) : body;
      captured = Promise.resolve({ bytes: kept, size: body.byteLength, truncated: kept !== body });
    } else if (body instanceof ReadableStream) {
      const tap = tapForCapture(body, captureSettings.maxBodyBytes, facts.contentLength);
      body = tap.body;
      captured = tap.copy;
    }
    capture = startCapture({
      batcher: ctx.capture,
      sinks,
      hold: captureHold,
      memory: ctx.budgets.memory,
      settings: captureSettings,
      route: route.name,
      requestId,
      startedMs: started,
      method: facts.method,
      url: clientUrl,
      headers: facts.headers,
      cf: request.cf as IncomingRequestCfProperties | undefined,
      body: captured,
      waitUntil: ctx.waitUntil,
    });
  }

  // The first try goes to the planned origin; a retry picks again, as Envoy's does.
  let origin: string | undefined = plan.origin;
  const url = () => {
    const next = origin ?? pickOrigin(destination.cluster, ctx.random, facts.headers, facts.query);
    origin = undefined;
    return next + plan.target;
  };
  const sentAt = Date.now();
  const primary = forwardWithRetries(url, { method: facts.method, headers, body }, plan.retries, plan.timeoutMs, ctx.random);

  let comparison: Comparison | undefined;
  if (shadowHeaders) {
    const targets: ShadowTarget[] = [];
    for (const m of plan.mirrors) if (m.origin) targets.push({ url: m.origin + plan.target, destination: m.target.cluster.name });
    // A compared route counts every shadow; a compared request also reads both answers (proxy/comparison.ts).
    if (shadow.settings.compare && plan.compare && ctx.recorder) comparison = compareRequest(plan, shadow.settings.compare, facts, requestId, headers, ctx, trace?.traceId, () => request.cf);
    // Each settled shadow: counted for a compared route (the explicit hook), then put on the log line.
    const pending = ctx.mirrorSwitch?.pending;
    // Bodiless, not compared, sent at once: each shadow is one fetch() under the deadline
    // signal, which also ends the read of its answer (workerd rejects the body read with
    // a TimeoutError at the deadline; checked 2026-12-07), so each settles by the
    // deadline by itself and the line needs no guard of its own.
    const selfBounded = copy === undefined && comparison === undefined && pending === undefined;
    const settled = record.expect(targets, shadow.settings.timeoutMs, comparison, selfBounded);
    const shadowRequest = {
      method: facts.method,
      headers: shadowHeaders,
      body: copy,
      deadline: record.deadline!,
      compare: comparison?.compareShadow,
    };
    const shadows = pending
      ? shadowsAfterSwitch(pending, plan, mirrorCap(ctx.mirrorPercentCap).perMillion, shadowRequest, targets, settled)
      : sendShadows(shadowRequest, targets, settled);
    // Once every shadow settled, what the comparison held goes back to the memory ledger.
    ctx.waitUntil(comparison ? shadows.finally(comparison.shadowsDone) : shadows);
  }

  return primary.then(({ result, tries }) => {
    if (tries > 1) line.tries = tries;
    if (!result.ok) {
      abandon?.();
      capture?.abandon();
      comparison?.v1Failed();
      return record.respond(withCors(plan, result.response), result.error);
    }
    // A 101 carries the WebSocket itself and must be returned as it is.
    if (plan.upgrade) return record.respond(result.response);
    // Compared: the client's answer is a branch of a tee, streamed as it arrives and byte for byte v1's.
    const answered = comparison ? comparison.v1(result.response, Date.now() - sentAt) : result.response;
    // Captured: another clone of v1's answer, read by the worker inside waitUntil.
    const upstream = capture ? capture.v1(answered, sentAt) : answered;
    const passed = passThrough(upstream);
    const routeOps = route.headers?.response;
    const destinationOps = destination.headers?.response;
    // Most routes have no response operations: then no context is built for them, per request.
    if (routeOps === undefined && destinationOps === undefined) return record.respond(withCors(plan, passed));
    // %REQ(…)% in response operations reads the request as it was sent upstream.
    return record.respond(withCors(plan, withResponseOps(passed, { ...format, request: headers }, routeOps, destinationOps)));
  });
}

function compareRequest(
  plan: ForwardedPlan,
  settings: CompareSettings,
  facts: RequestFacts,
  requestId: string,
  headers: Headers,
  ctx: PipelineContext,
  traceId: string | undefined,
  cf: () => object | undefined,
): Comparison {
  const { compared, noise } = plan.compare!;
  return startComparison({
    plan,
    settings,
    requestId,
    traceId,
    method: facts.method,
    path: facts.path,
    origin: `${facts.scheme}://${facts.authority}`,
    contentType: facts.headers.get("content-type"),
    compared,
    // v1 again, with the primary's own headers (copied before anything else can touch them).
    noise: noise ? { url: plan.origin + plan.target, headers } : undefined,
    timeoutMs: plan.shadow.settings.timeoutMs,
    recorder: ctx.recorder!,
    bindings: ctx.bindings,
    waitUntil: ctx.waitUntil,
    budgets: ctx.budgets,
    cf,
  });
}

/** An allowed Origin's CORS headers on the answer (Envoy's CORS filter wraps every answer but its own preflight). */
function withCors(plan: { route: Route; corsOrigin?: string }, response: Response): Response {
  return plan.corsOrigin !== undefined && plan.route.cors ? withCorsHeaders(response, plan.route.cors, plan.corsOrigin) : response;
}

/** Turns a copy of the primary's headers into the shadow's (in place). */
function shadowHeadersFrom(out: Headers, plan: ForwardedPlan, format: FormatContext, trace: TraceDecision | undefined): Headers {
  const { forwardedHost, marker, settings } = plan.shadow;
  out.set("x-forwarded-host", forwardedHost);
  if (marker) out.set(SHADOW_MARKER, "1");
  // Before the MirrorPolicy's shadowHeaders, so an operator's set / remove has the last word.
  if (trace) applyShadowTrace(out, trace);
  applyShadowHeaders(out, settings, format);
  return out;
}

/** The origin's response, streamed unchanged except for hop-by-hop headers. */
function passThrough(response: Response): Response {
  const original = response.headers;
  if (!hasHopByHop(original)) return response;
  const headers = new Headers(original);
  stripHopByHop(headers);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** How long after the response a line still waiting for shadows is held at most: waitUntil work ends ~30 s after it (PLATFORM.md). */
const LINE_WAIT_AFTER_RESPONSE_MS = 25_000;
/** Past the shadows' deadline, how long their outcomes (an abort's rejection) may take to arrive. */
const LINE_DEADLINE_GRACE_MS = 1_000;

/**
 * The request's one log line (Envoy writes one access-log line per request): built
 * once, filled in as the request goes, written once. A request without shadows is
 * written at response time; a mirrored one when the response is out and its last
 * shadow has settled. A shadow that has not settled 1 s after the shadows' deadline
 * (or 25 s after the response, when that deadline is later) does not hold the line:
 * it is written with that shadow as a timeout (its real outcome is still counted).
 *
 * The common case, bodiless shadows not compared and sent at once, needs no guard: each
 * is a fetch() under the deadline signal, which ends its answer's read too. Otherwise
 * (a body copy, a comparison, a pause switch not read yet) the guard is one listener on
 * the deadline signal the shadows already have (this object is the listener: no
 * closure per request); a timer only once that deadline has passed. A timer per
 * request instead cost 2.4 % of the worker's CPU profile, and the listener 1.4 %
 * (addEventListener + removeEventListener self time; npm run bench:profile, 2026-12-07).
 */
class RequestLine {
  readonly line: RequestLog;
  /** the shadows' deadline, once they are expected */
  deadline: AbortSignal | undefined;
  /** shadows expected but not settled yet */
  #pending = 0;
  #responded = false;
  #written = false;
  #listening = false;
  /** the deadline is later than waitUntil allows: a timer from the response guards the line */
  #longDeadline = false;
  #targets: ShadowTarget[] | undefined;
  #shadowsStarted = 0;
  #guard: ReturnType<typeof setTimeout> | undefined;
  /** every shadow settles by the deadline by itself (the pipeline's selfBounded): no listener needed */
  #selfBounded = false;

  constructor(
    requestId: string,
    readonly started: number,
    readonly log: Logger,
    /** MIRROR_ACCESS_LOG=notable: a plain success is not written */
    readonly notableOnly: boolean,
  ) {
    // Fields are added as they become known: an object literal with every optional field
    // present (undefined) took JSON.stringify ~20 % longer (Node 20 micro-benchmark).
    this.line = { event: "request", requestId, status: 0, durationMs: 0 };
  }

  /**
   * The shadows this request sends, and their deadline (`this.deadline`): returns the
   * callback each one settles with, which hands the outcome to the comparison's
   * counts first (the explicit hook), then to the line.
   */
  expect(targets: ShadowTarget[], timeoutMs: number, comparison: Comparison | undefined, selfBounded = false): ShadowSettled {
    this.#pending = targets.length;
    this.#selfBounded = selfBounded;
    this.#targets = targets;
    if (targets.length > 0) this.line.shadows = [];
    this.#shadowsStarted = Date.now();
    this.deadline = AbortSignal.timeout(timeoutMs);
    // A deadline past waitUntil's end cannot guard the line: a timer from the response does.
    this.#longDeadline = timeoutMs > LINE_WAIT_AFTER_RESPONSE_MS;
    if (!comparison) return (outcome) => this.#settled(outcome);
    return (outcome) => {
      comparison.counted(outcome);
      this.#settled(outcome);
    };
  }

  respond(response: Response, error?: RequestError): Response {
    const line = this.line;
    line.status = response.status;
    line.durationMs = Date.now() - this.started;
    if (error) line.error = error;
    this.#responded = true;
    if (this.#pending === 0) this.#write();
    else if (this.#longDeadline) this.#guard = setTimeout(() => this.#unsettled(), LINE_WAIT_AFTER_RESPONSE_MS);
    else if (this.#selfBounded) return response;
    else if (this.deadline!.aborted) this.handleEvent();
    else {
      // The shadows' promise is in waitUntil while any is pending, which keeps the deadline's timer alive.
      this.#listening = true;
      this.deadline!.addEventListener("abort", this);
    }
    return response;
  }

  /** The deadline passed with shadows pending: give their aborts a grace to arrive. */
  handleEvent(): void {
    this.#guard ??= setTimeout(() => this.#unsettled(), LINE_DEADLINE_GRACE_MS);
  }

  #settled(outcome: ShadowOutcome): void {
    if (this.#written) return;
    this.line.shadows!.push(outcome);
    if (--this.#pending === 0 && this.#responded) {
      if (this.#listening) this.deadline!.removeEventListener("abort", this);
      if (this.#guard !== undefined) clearTimeout(this.#guard);
      this.#write();
    }
  }

  /** The guard fired: the shadows not settled yet go on the line as timeouts. */
  #unsettled(): void {
    if (this.#written) return;
    if (this.#listening) this.deadline!.removeEventListener("abort", this);
    const shadows = this.line.shadows!;
    const durationMs = Date.now() - this.#shadowsStarted;
    for (const t of this.#targets!) {
      if (!shadows.some((s) => s.destination === t.destination)) shadows.push({ destination: t.destination, error: "timeout", detail: "not settled when the log line was written", durationMs });
    }
    this.#write();
  }

  #write(): void {
    this.#written = true;
    if (this.notableOnly && !isNotable(this.line)) return;
    this.log(this.line);
  }
}
