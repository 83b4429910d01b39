// The HTTPRoute fields edge-mirror accepts (gateway.networking.k8s.io v1 / v1beta1,
// apis/v1/httproute_types.go), read into plain specs: parentRefs and hostnames (which
// hosts the route serves), and rules with their matches, filters, backendRefs,
// timeouts and retry. Cross-references (Gateways, Services, WorkloadEntries) are
// resolved later, in compile-http-routes.ts. Every other field is refused with a reason.
import type { Field, KeyRules } from "../field";
import type { Resource } from "../documents";
import { MAX_RETRY_ATTEMPTS } from "../istio/route-policies";
import { DEFAULT_RETRY_BACKOFF_MS } from "../defaults";
import type { RetryPolicy } from "../../routing/table";
import { ISTIO_HOSTNAME_GROUP as ISTIO_GROUP, readBackendRef, readWeight, type BackendRefSpec } from "./backend-ref";
import { readGatewayDuration } from "./duration";
import { readFilters, type FiltersSpec } from "./filters";
import { GATEWAY_API_GROUP } from "./kinds";
import { DEFAULT_MATCH, readRouteMatch, type RouteMatch } from "./matches";
import { objectMeta, type ObjectMeta } from "./metadata";

export const GATEWAY_API_HTTP_ROUTE: KeyRules = {
  api: "a Gateway API",
  known: ["parentRefs", "hostnames", "rules"],
  notYet: { useDefaultGateways: "planned: name the parent in parentRefs" },
};
export const PARENT_REFERENCE: KeyRules = { known: ["group", "kind", "namespace", "name", "sectionName", "port"] };
export const HTTP_ROUTE_RULE: KeyRules = {
  api: "a Gateway API",
  known: ["name", "matches", "filters", "backendRefs", "timeouts", "retry"],
  notYet: { sessionPersistence: "planned" },
};
export const HTTP_ROUTE_TIMEOUTS: KeyRules = { known: ["request", "backendRequest"] };
export const HTTP_ROUTE_RETRY: KeyRules = { known: ["codes", "attempts", "backoff"] };
/** HTTPRouteRetryStatusCode's range. */
export const RETRY_CODE_RANGE = { minimum: 400, maximum: 599 } as const;

/** The Gateway API Hostname type: a DNS name, or `*.` and a DNS name; never an IP. */
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface ParentRefSpec {
  kind: "Gateway" | "Service" | "ServiceEntry";
  namespace?: string;
  name: string;
  sectionName?: string;
  port?: number;
  field: Field;
}

export interface HttpBackendRefSpec {
  ref: BackendRefSpec;
  weight: number;
  filters: FiltersSpec;
  field: Field;
}

export interface RuleSpec {
  index: number;
  name?: string;
  /** the rule's matches; a rule without matches has Gateway API's default (PathPrefix "/") */
  matches: RouteMatch[];
  /** false when the rule had no `matches`: its table route matches every request */
  hasMatches: boolean;
  filters: FiltersSpec;
  backendRefs: HttpBackendRefSpec[];
  /** timeouts.request in ms; absent or "0s" = none */
  requestTimeoutMs?: number;
  /** timeouts.backendRequest in ms (per try); absent or "0s" = none */
  backendTimeoutMs?: number;
  retry?: RetryPolicy;
  field: Field;
}

export interface HttpRouteSpec extends ObjectMeta {
  hostnames: { host: string; field: Field }[];
  parentRefs: ParentRefSpec[];
  rules: RuleSpec[];
  field: Field;
}

export function readHttpRoute(doc: Resource): HttpRouteSpec | undefined {
  const spec = doc.spec;
  if (!spec.checkMap(GATEWAY_API_HTTP_ROUTE)) return undefined;
  const hostnames = spec.get("hostnames").items().flatMap((f) => {
    const raw = f.string();
    if (raw === undefined) return [];
    const host = raw.toLowerCase();
    if (!HOSTNAME.test(host) || /^[0-9.]+$/.test(host)) {
      f.error(`"${raw}" is not a Gateway API hostname`, "write a DNS name like api.example.com or a wildcard like *.example.com; no IP, port or scheme");
      return [];
    }
    return [{ host, field: f }];
  });
  const parentsField = spec.get("parentRefs");
  // +optional upstream (apis/v1/shared_types.go CommonRouteSpec): without parents the
  // route attaches to the one gateway there is at the edge, the worker.
  if (!parentsField.present)
    spec.note(`no parentRefs: the route attaches to the worker, the one gateway at the edge, for ${hostnames.length ? "its hostnames" : "every host"} on every port`);
  const parentRefs = parentsField.items().flatMap((f) => {
    const parent = readParentRef(f);
    return parent ? [parent] : [];
  });
  const names = new Set<string>();
  const rules = spec.get("rules").items().flatMap((f, index) => {
    const rule = readRule(f, index);
    if (rule?.name !== undefined) {
      if (names.has(rule.name)) f.get("name").error(`rule name "${rule.name}" is used twice in this HTTPRoute`, "give each rule a unique name");
      names.add(rule.name);
    }
    return rule ? [rule] : [];
  });
  return { ...objectMeta(doc), hostnames, parentRefs, rules, field: spec };
}

function readParentRef(f: Field): ParentRefSpec | undefined {
  if (!f.checkMap(PARENT_REFERENCE)) return undefined;
  const group = f.get("group").string();
  const kind = f.get("kind").string() ?? "Gateway";
  f.get("name").require("name the Gateway (or Service) the route attaches to");
  const name = f.get("name").string();
  let parentKind: ParentRefSpec["kind"] | undefined;
  if (kind === "Gateway" && (group === undefined || group === GATEWAY_API_GROUP)) parentKind = "Gateway";
  // Istio's mesh form (GAMMA): a core Service, written with group "" — or, as Istio's own task does, without group.
  else if (kind === "Service" && (group === undefined || group === "")) parentKind = "Service";
  // Istio's extension: a route for a ServiceEntry's hosts (istio.io egress-control task, Gateway API tab).
  else if (kind === "ServiceEntry" && group === ISTIO_GROUP) parentKind = "ServiceEntry";
  else {
    f.get(f.get("kind").present ? "kind" : "group").error(
      `an HTTPRoute attaches here to a Gateway (${GATEWAY_API_GROUP}), a core Service or an Istio ServiceEntry, not to ${group ? `${group}/` : ""}${kind}`,
      'use parentRefs: [{name: <Gateway>}], [{group: "", kind: Service, name: <Service>, port: <port>}] or [{group: networking.istio.io, kind: ServiceEntry, name: <ServiceEntry>}]',
    );
  }
  const port = f.get("port").port();
  if (parentKind === undefined || name === undefined) return undefined;
  const parent: ParentRefSpec = { kind: parentKind, name, field: f };
  const namespace = f.get("namespace").string();
  if (namespace !== undefined) parent.namespace = namespace;
  const sectionName = f.get("sectionName").string();
  if (sectionName !== undefined) parent.sectionName = sectionName;
  if (port !== undefined) parent.port = port;
  return parent;
}

function readRule(f: Field, index: number): RuleSpec | undefined {
  if (!f.checkMap(HTTP_ROUTE_RULE)) return undefined;
  const matchesField = f.get("matches");
  const matches = matchesField.items().flatMap((m) => {
    const match = readRouteMatch(m);
    return match ? [match] : [];
  });
  const hasMatches = matchesField.items().length > 0;
  const filters = readFilters(f.get("filters"), "rule");
  const backendRefs = f.get("backendRefs").items().flatMap((b) => {
    const ref = readBackendRef(b, "backendRef");
    const weight = readWeight(b.get("weight"));
    const backendFilters = readFilters(b.get("filters"), "backend");
    return ref ? [{ ref, weight, filters: backendFilters, field: b }] : [];
  });
  const rule: RuleSpec = { index, matches: hasMatches ? matches : [DEFAULT_MATCH], hasMatches, filters, backendRefs, field: f };
  const name = f.get("name").string();
  if (name !== undefined) rule.name = name;
  // ReplacePrefixMatch replaces a matched prefix: it needs PathPrefix matches (Gateway API).
  if (filters.prefixModifier && matches.some((m) => m.pathType !== "PathPrefix"))
    filters.prefixModifier.get("type").error("ReplacePrefixMatch needs every match of the rule to be a PathPrefix path match (Gateway API)", "use PathPrefix matches, or ReplaceFullPath");
  readTimeouts(f.get("timeouts"), rule);
  const retry = f.get("retry");
  if (retry.present) {
    const policy = readRetry(retry);
    if (policy) rule.retry = policy;
  }
  if (filters.redirect) {
    if (filters.mirrors.length)
      filters.mirrorField!.error("has nothing to mirror: a RequestRedirect rule answers at the edge and never reaches a backend", "move the RequestMirror to a rule with backendRefs");
    if (backendRefs.length) f.get("backendRefs").warn("are never used: the rule's RequestRedirect answers every request at the edge", "remove backendRefs, or the redirect");
  }
  return rule;
}

/** timeouts.request → the route timeout, timeouts.backendRequest → the per-try timeout; "0s" turns either off. */
function readTimeouts(f: Field, rule: RuleSpec): void {
  if (!f.checkMap(HTTP_ROUTE_TIMEOUTS)) return;
  const request = f.get("request").present ? readGatewayDuration(f.get("request")) : undefined;
  const backend = f.get("backendRequest").present ? readGatewayDuration(f.get("backendRequest")) : undefined;
  if (request) rule.requestTimeoutMs = request;
  if (backend) rule.backendTimeoutMs = backend;
  if (request && backend && backend > request)
    f.get("backendRequest").error(`must not be longer than request (${backend} ms > ${request} ms): the request timeout covers every backend request`, "shorten backendRequest or lengthen request");
}

/**
 * HTTPRouteRetry (experimental) on the existing retry executor: `attempts` more tries
 * (absent: Istio's 2), on the listed `codes` and on connection errors — refused or
 * reset connections and backendRequest timeouts, as the spec asks — with `backoff`
 * as the back-off's base interval.
 */
function readRetry(f: Field): RetryPolicy | undefined {
  if (!f.checkMap(HTTP_ROUTE_RETRY)) return undefined;
  const statusCodes = f.get("codes").items().flatMap((c) => {
    const n = c.number();
    if (n === undefined) return [];
    if (Number.isInteger(n) && n >= RETRY_CODE_RANGE.minimum && n <= RETRY_CODE_RANGE.maximum) return [n];
    c.error(`must be an HTTP status ${RETRY_CODE_RANGE.minimum}..${RETRY_CODE_RANGE.maximum}, found ${n}`);
    return [];
  });
  const attemptsField = f.get("attempts");
  const attempts = attemptsField.present ? attemptsField.wholeNumber({ max: MAX_RETRY_ATTEMPTS, fix: "each retry is one more subrequest of the invocation" }) : 2;
  const policy: RetryPolicy = { source: "route", attempts: attempts ?? 0, on: ["connect-failure", "reset"], statusCodes, backoffMs: DEFAULT_RETRY_BACKOFF_MS };
  if (statusCodes.length) policy.on.push("retriable-status-codes");
  const backoff = f.get("backoff").present ? readGatewayDuration(f.get("backoff")) : undefined;
  if (backoff) policy.backoffMs = backoff;
  return policy;
}
