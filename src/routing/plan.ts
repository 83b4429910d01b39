// The decision step: one pure, synchronous function that says what the worker will
// do with a request — refuse it, answer it at the edge, or forward it, and which
// mirrors get a copy — in Envoy's filter order: Host → VirtualService → route; CORS;
// fault injection; redirect / directResponse; destination; rewrite; mirrors.
// The worker executes the plan (src/proxy/pipeline.ts) and `npm run explain`
// describes it (src/tools/explain.ts), so the two cannot drift. Randomness and the
// kill-switch cap are injected, as Envoy's FilterUtility takes its random value.
import { findVirtualHost, hostOf, returningShadowSign, shadowAuthority, type ReturningShadowSign } from "./host";
import { findRoute } from "./match";
import { allowedOrigin, isPreflight } from "./cors";
import { redirectLocation } from "./redirect";
import { rewriteTarget } from "./rewrite";
import { drawPerMillion, mirrorDraw, pickDestination, type MirrorDraw, type Random } from "./sample";
import { pickOrigin } from "./load-balance";
import { lowerCap } from "./per-million";
import type { RequestFacts } from "./request-facts";
import type { CompareSettings, MatchBlock, MirrorTarget, RetryPolicy, Route, ShadowSettings, VirtualHost, WeightedDestination } from "./table";
import type { RouteTable } from "./table";

export interface PlanInputs {
  /** [0, 1) source for weights, origins, faults and mirror sampling */
  random: Random;
  /** the operator's cap on every mirror (MIRROR_PERCENT_CAP, and the pause switch's global cap), in millionths; 1 000 000 = no cap */
  capPerMillion: number;
  /** the pause switch's per-route caps, `<virtualService>/<route>` (Route.name) → millionths; the lower of a route's and the global cap wins */
  routeCaps?: Readonly<Record<string, number>>;
}

/** The cap in force on a route's mirrors: the lower of the global cap and the route's own, in millionths. */
export function capFor(route: Route, { capPerMillion, routeCaps }: Pick<PlanInputs, "capPerMillion" | "routeCaps">): number {
  return lowerCap(capPerMillion, routeCaps?.[route.name]);
}

export type Plan = RefusedPlan | AnsweredPlan | ForwardedPlan;

/** Not an open proxy: a request no route claims is refused without contacting anything. */
export interface RefusedPlan {
  action: "refuse";
  status: 404;
  error: "no_virtual_service" | "no_route";
  message: string;
  virtualService?: string;
  /** the virtual host found (no_route): its routes, none of which matched */
  virtualHost?: VirtualHost;
}

/** What every plan that found a route knows. */
interface RoutedPlan {
  virtualService: string;
  /** the virtual host the Host header selected (a VirtualService, or an HTTPRoute hostname), for tools that describe the plan */
  virtualHost: VirtualHost;
  route: Route;
  /** the match block that matched, and its index; absent for a route without conditions */
  block?: MatchBlock;
  matchIndex?: number;
  /** the request's Origin when the route's corsPolicy allows it: the answer gets CORS headers */
  corsOrigin?: string;
  /** fault delay injected before anything else happens, in ms */
  faultDelayMs?: number;
}

export type EdgeAnswer =
  | { kind: "preflight"; status: 200 }
  | { kind: "fault_abort"; status: number }
  | { kind: "redirect"; status: number; location: string }
  | { kind: "direct_response"; status: number; body?: string }
  | { kind: "no_destination"; status: 503 };

/** Answered by the worker itself: nothing is forwarded, nothing is mirrored. */
export interface AnsweredPlan extends RoutedPlan {
  action: "answer";
  answer: EdgeAnswer;
}

/**
 * How the request body travels. `stream`: straight to the primary. `buffer`: read
 * first, so a retry can send it again (route retries, Content-Length within the body
 * cap). `tap`: streamed to the primary while a copy is read for the shadows, up to
 * the cap. `too_large`: Content-Length over the cap, so the shadows are skipped.
 */
export type BodyPlan = "none" | "stream" | "buffer" | "tap" | "too_large";

export type MirrorReason =
  | "sampled"
  | "not_sampled"
  | "kill_switch"
  | "returning_shadow"
  | "upgrade"
  | "connect"
  | "method_not_mirrored";

export interface MirrorDecision {
  target: MirrorTarget;
  mirrored: boolean;
  reason: MirrorReason;
  /** the origin the shadow goes to, when mirrored */
  origin?: string;
}

/**
 * Whether v1's and v2's answers to this request are compared (MirrorPolicy `compare`),
 * drawn after every other decision so the other draws do not move: `compared` needs a
 * mirrored request whose body is copied (not too_large); `noise` (GET/HEAD only) adds
 * a second call to v1, so v1 is compared with itself (Diffy's noise).
 */
export interface CompareDecision {
  compared: boolean;
  noise: boolean;
}

export interface ShadowLeg {
  /** X-Forwarded-Host of the shadow: Envoy's `-shadow` authority, unless hostSuffix is off */
  forwardedHost: string;
  /** sends x-edge-mirror-shadow: 1 (hostSuffix: false), so a returning shadow is still recognised */
  marker: boolean;
  settings: ShadowSettings;
}

export interface ForwardedPlan extends RoutedPlan {
  action: "forward";
  destination: WeightedDestination;
  /** the origin of the first try; a retry picks again (Envoy retries may land on another host) */
  origin: string;
  /** path and query sent upstream, after the rewrite: the shadow gets the same */
  target: string;
  /** the authority after rewrite.authority */
  authority: string;
  /** X-Forwarded-Host of the primary: the authority, or a returning shadow's own */
  forwardedHost: string;
  returningShadow?: ReturningShadowSign;
  /** a WebSocket handshake: proxied with its Upgrade headers, its 101 returned as it is */
  upgrade: boolean;
  /** the retries in force for this request: attempts 0 when its body is streamed */
  retries: RetryPolicy;
  /** why the route's retries do not apply to this request */
  retriesOff?: "streamed_body";
  /** the route timeout; none = Istio's default (no timeout) */
  timeoutMs?: number;
  body: BodyPlan;
  /** the sampling draw, when the request could be mirrored at all */
  draw?: MirrorDraw;
  /** one per mirror of the route, in order */
  mirrors: MirrorDecision[];
  /** how many mirrors get a copy */
  mirrored: number;
  shadow: ShadowLeg;
  /** present when the route compares answers (MirrorPolicy compare) */
  compare?: CompareDecision;
  /** present when the route captures (MirrorPolicy capture): whether this request and v1's answer are recorded */
  capture?: boolean;
}

export function planRequest(table: RouteTable, facts: RequestFacts, inputs: PlanInputs): Plan {
  const { random } = inputs;
  const vhost = findVirtualHost(table, facts.authority);
  if (!vhost) {
    const host = hostOf(facts.authority);
    return { action: "refuse", status: 404, error: "no_virtual_service", message: `no VirtualService for host "${host}"` };
  }
  const found = findRoute(vhost, facts);
  if (!found) return { action: "refuse", status: 404, error: "no_route", message: "no route matched", virtualService: vhost.name, virtualHost: vhost };
  const { route, block } = found;
  const routed: RoutedPlan = { virtualService: vhost.name, virtualHost: vhost, route };
  if (block) {
    routed.block = block;
    routed.matchIndex = route.match.indexOf(block);
  }

  // Envoy's filter order: CORS, then fault injection, then the router.
  const corsOrigin = route.cors ? allowedOrigin(route.cors, facts.headers.get("origin")) : undefined;
  if (corsOrigin !== undefined) routed.corsOrigin = corsOrigin;
  if (corsOrigin !== undefined && isPreflight(facts)) return { ...routed, action: "answer", answer: { kind: "preflight", status: 200 } };
  const fault = route.fault;
  if (fault?.delay && drawPerMillion(random) < fault.delay.perMillion) routed.faultDelayMs = fault.delay.ms;
  if (fault?.abort && drawPerMillion(random) < fault.abort.perMillion) {
    return { ...routed, action: "answer", answer: { kind: "fault_abort", status: fault.abort.status } };
  }
  if (route.redirect) {
    const answer: EdgeAnswer = { kind: "redirect", status: route.redirect.status, location: redirectLocation(route.redirect, facts, block) };
    return { ...routed, action: "answer", answer };
  }
  if (route.directResponse) {
    const answer: EdgeAnswer = { kind: "direct_response", status: route.directResponse.status };
    if (route.directResponse.body !== undefined) answer.body = route.directResponse.body;
    return { ...routed, action: "answer", answer };
  }

  const destination = pickDestination(route, random);
  if (!destination) return { ...routed, action: "answer", answer: { kind: "no_destination", status: 503 } };

  // The shadow is a copy of the rewritten request (Istio).
  const target = route.rewrite ? rewriteTarget(route.rewrite, block, facts.path, facts.query) : facts.target;
  const authority = route.rewrite?.authority ?? facts.authority;
  // A request already marked as a shadow is one coming back through the worker:
  // forward it but never mirror it again. Its X-Forwarded-Host is kept only when it is
  // exactly the worker's own shadow authority (host.ts); whatever else a client sends
  // there is overwritten, so v1 never reads a host the client chose.
  const incomingForwardedHost = facts.headers.get("x-forwarded-host");
  const returningShadow = returningShadowSign(table, facts.headers, facts.authority, incomingForwardedHost);
  const upgradeHeader = facts.headers.get("upgrade");
  const settings = route.shadow;

  const notMirrorable: MirrorReason | undefined = returningShadow
    ? "returning_shadow"
    : upgradeHeader !== null
      ? "upgrade" // Envoy never shadows upgrade requests
      : facts.method === "CONNECT"
        ? "connect" // nor CONNECT
        : settings.methods && !settings.methods.includes(facts.method)
          ? "method_not_mirrored"
          : undefined;
  const draw = route.mirrors.length > 0 && !notMirrorable ? mirrorDraw(settings.sampleKey, facts.headers, facts.query, random) : undefined;
  const origin = pickOrigin(destination.cluster, random, facts.headers, facts.query);
  let mirrored = 0;
  const cap = capFor(route, inputs);
  const mirrors = route.mirrors.map((m): MirrorDecision => {
    if (!draw) return { target: m, mirrored: false, reason: notMirrorable ?? "not_sampled" };
    // Envoy's sampling: one draw per request compared with every mirror's threshold,
    // so a 5 % mirror gets a subset of a 10 % mirror's requests; the cap applies on top.
    if (draw.draw >= m.perMillion) return { target: m, mirrored: false, reason: "not_sampled" };
    if (draw.draw >= cap) return { target: m, mirrored: false, reason: "kill_switch" };
    mirrored++;
    return { target: m, mirrored: true, reason: "sampled", origin: pickOrigin(m.cluster, random, facts.headers, facts.query) };
  });

  const body = bodyPlan(facts, route.retries, settings.bodyCapBytes, mirrored > 0);
  const streamed = body === "stream" || body === "tap" || body === "too_large";
  const plan: ForwardedPlan = {
    ...routed,
    action: "forward",
    destination,
    origin,
    target,
    authority,
    forwardedHost: returningShadow === "x-forwarded-host" ? incomingForwardedHost! : authority,
    upgrade: upgradeHeader?.toLowerCase() === "websocket",
    // A streamed body cannot be sent twice, so it is not retried.
    retries: streamed && route.retries.attempts > 0 ? { ...route.retries, attempts: 0 } : route.retries,
    body,
    mirrors,
    mirrored,
    shadow: {
      forwardedHost: settings.hostSuffix ? shadowAuthority(authority) : authority,
      marker: !settings.hostSuffix,
      settings,
    },
  };
  if (streamed && route.retries.attempts > 0) plan.retriesOff = "streamed_body";
  if (returningShadow) plan.returningShadow = returningShadow;
  if (route.timeoutMs !== undefined) plan.timeoutMs = route.timeoutMs;
  if (draw) plan.draw = draw;
  if (settings.compare) plan.compare = compareDecision(settings.compare, facts.method, mirrored > 0 && body !== "too_large", random);
  // Drawn last, so turning capture on moves no other draw. A shadow coming back, a
  // WebSocket and CONNECT are never captured; the mirror cap does not apply (nothing goes to v2).
  if (settings.capture) plan.capture = notMirrorable === undefined || notMirrorable === "method_not_mirrored" ? drawPerMillion(random) < settings.capture.perMillion : false;
  return plan;
}

function compareDecision(compare: CompareSettings, method: string, copied: boolean, random: Random): CompareDecision {
  if (!copied) return { compared: false, noise: false };
  const compared = drawPerMillion(random) < compare.perMillion;
  const noise = compared && (method === "GET" || method === "HEAD") && drawPerMillion(random) < compare.noisePerMillion;
  return { compared, noise };
}

function bodyPlan(facts: RequestFacts, retries: RetryPolicy, cap: number, mirrored: boolean): BodyPlan {
  if (!facts.hasBody) return "none";
  const length = facts.contentLength;
  // A route's own retries need the body again: buffered, bounded by the body cap.
  // Istio's default policy streams bodies instead of buffering every upload.
  if (retries.source === "route" && retries.attempts > 0 && length !== undefined && length <= cap) return "buffer";
  if (!mirrored) return "stream";
  return length !== undefined && length > cap ? "too_large" : "tap";
}
