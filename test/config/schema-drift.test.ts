// schema/routes.schema.json (what an editor accepts) and the compiler's key rules
// (what `npm run check` accepts) must describe the same fields. For every object the
// compiler reads with checkMap, the schema's properties must be exactly the keys the
// compiler accepts (known and ignored ones); the keys it refuses (not supported yet,
// or impossible at the edge) must not be in the schema; and every closed object of
// the schema must be one the compiler reads this way.
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as destinationModule from "../../src/config/destination";
import * as destinationRuleModule from "../../src/config/istio/destination-rule";
import * as documentsModule from "../../src/config/documents";
import * as fieldModule from "../../src/config/field";
import * as matchSpecModule from "../../src/config/istio/match-spec";
import * as stringMatchModule from "../../src/config/string-match";
import * as comparePolicyModule from "../../src/config/compare-policy";
import * as capturePolicyModule from "../../src/config/capture-policy";
import * as mirrorPolicyModule from "../../src/config/mirror-policy";
import * as routePoliciesModule from "../../src/config/istio/route-policies";
import * as serviceEntryModule from "../../src/config/istio/service-entry";
import * as virtualServiceModule from "../../src/config/istio/virtual-service";
import * as clientTlsModule from "../../src/config/istio/client-tls";
import * as connectionPoliciesModule from "../../src/config/istio/connection-policies";
import * as gatewayModule from "../../src/config/istio/gateway";
import { CLIENT_TLS } from "../../src/config/istio/client-tls";
import { CONNECTION_POOL, HTTP_SETTINGS, OUTLIER_DETECTION, TCP_SETTINGS } from "../../src/config/istio/connection-policies";
import { GATEWAY, GATEWAY_PORT, SERVER, SERVER_TLS } from "../../src/config/istio/gateway";
import { PORT_SELECTOR, DESTINATION } from "../../src/config/destination";
import { CONSISTENT_HASH, DESTINATION_RULE, HTTP_COOKIE, LOAD_BALANCER, PORT_TRAFFIC_POLICY, SUBSET, TRAFFIC_POLICY } from "../../src/config/istio/destination-rule";
import { RESOURCE } from "../../src/config/documents";
import { HTTP_STATUS_RANGE, INT32_MAX, PERCENT, PERCENT_RANGE, PORT_RANGE, REDIRECT_STATUSES, type KeyRules } from "../../src/config/field";
import { HTTP_MATCH_REQUEST } from "../../src/config/istio/match-spec";
import { STRING_MATCH } from "../../src/config/string-match";
import { MAX_BODY_CAP_BYTES, MIRROR_POLICY, SAMPLE_KEY, SHADOW_HEADERS, TARGET_REF, TRACE } from "../../src/config/mirror-policy";
import { COMPARE, COMPARE_GATE, MAX_COMPARE_BODY_BYTES, MAX_LATENCY_SHIFT_LIMIT_MS } from "../../src/config/compare-policy";
import { CAPTURE, MAX_CAPTURE_BODY_BYTES, MAX_CAPTURE_TTL_DAYS } from "../../src/config/capture-policy";
import {
  CORS_POLICY,
  MAX_RETRY_ATTEMPTS,
  FAULT_ABORT,
  FAULT_DELAY,
  HEADER_OPERATIONS,
  HEADERS,
  HTTP_BODY,
  HTTP_DIRECT_RESPONSE,
  HTTP_FAULT_INJECTION,
  HTTP_REDIRECT,
  HTTP_RETRY,
  HTTP_REWRITE,
  REGEX_REWRITE,
} from "../../src/config/istio/route-policies";
import { SERVICE_ENTRY, SERVICE_PORT, WORKLOAD_ENTRY } from "../../src/config/istio/service-entry";
import { HTTP_MIRROR_POLICY, HTTP_ROUTE, HTTP_ROUTE_DESTINATION, VIRTUAL_SERVICE } from "../../src/config/istio/virtual-service";
import * as gatewayApiBackendRefModule from "../../src/config/gateway-api/backend-ref";
import * as gatewayApiCorsModule from "../../src/config/gateway-api/cors-filter";
import * as gatewayApiFiltersModule from "../../src/config/gateway-api/filters";
import * as gatewayApiGatewayModule from "../../src/config/gateway-api/gateway";
import * as gatewayApiHeaderFilterModule from "../../src/config/gateway-api/header-filter";
import * as gatewayApiHttpRouteModule from "../../src/config/gateway-api/http-route";
import * as gatewayApiMatchesModule from "../../src/config/gateway-api/matches";
import * as gatewayApiServiceModule from "../../src/config/gateway-api/service";
import { BACKEND_OBJECT_REFERENCE, HTTP_BACKEND_REF, MAX_BACKEND_WEIGHT } from "../../src/config/gateway-api/backend-ref";
import { HTTP_CORS_FILTER, MAX_CORS_MAX_AGE_SECONDS } from "../../src/config/gateway-api/cors-filter";
import { FRACTION, HTTP_PATH_MODIFIER, HTTP_REQUEST_MIRROR, HTTP_REQUEST_REDIRECT, HTTP_ROUTE_FILTER, HTTP_URL_REWRITE } from "../../src/config/gateway-api/filters";
import { ALLOWED_ROUTES, GATEWAY_API_GATEWAY, GATEWAY_API_LISTENER, LABEL_SELECTOR, LABEL_SELECTOR_REQUIREMENT, ROUTE_GROUP_KIND, ROUTE_NAMESPACES } from "../../src/config/gateway-api/gateway";
import * as gatewayApiBackendTlsModule from "../../src/config/gateway-api/backend-tls-policy";
import { BACKEND_TLS_POLICY, BACKEND_TLS_TARGET, BACKEND_TLS_VALIDATION } from "../../src/config/gateway-api/backend-tls-policy";
import { HTTP_HEADER, HTTP_HEADER_FILTER } from "../../src/config/gateway-api/header-filter";
import { GATEWAY_API_HTTP_ROUTE, HTTP_ROUTE_RETRY, HTTP_ROUTE_RULE, HTTP_ROUTE_TIMEOUTS, PARENT_REFERENCE, RETRY_CODE_RANGE } from "../../src/config/gateway-api/http-route";
import { HTTP_HEADER_MATCH, HTTP_PATH_MATCH, HTTP_QUERY_PARAM_MATCH, HTTP_ROUTE_MATCH } from "../../src/config/gateway-api/matches";
import { KUBERNETES_SERVICE, KUBERNETES_SERVICE_PORT } from "../../src/config/gateway-api/service";

/** The compiler modules that call checkMap (the last test finds any other). */
const MODULES = {
  destinationModule,
  destinationRuleModule,
  documentsModule,
  fieldModule,
  matchSpecModule,
  stringMatchModule,
  comparePolicyModule,
  capturePolicyModule,
  mirrorPolicyModule,
  routePoliciesModule,
  serviceEntryModule,
  virtualServiceModule,
  clientTlsModule,
  connectionPoliciesModule,
  gatewayModule,
  gatewayApiBackendRefModule,
  gatewayApiCorsModule,
  gatewayApiFiltersModule,
  gatewayApiGatewayModule,
  gatewayApiBackendTlsModule,
  gatewayApiHeaderFilterModule,
  gatewayApiHttpRouteModule,
  gatewayApiMatchesModule,
  gatewayApiServiceModule,
};

type Schema = { [key: string]: unknown } | boolean;
const root = JSON.parse(readFileSync("schema/routes.schema.json", "utf8")) as Schema;

interface Pairing {
  rules: KeyRules;
  /** JSON pointer into the schema */
  at: string;
  /** known keys the schema refuses because a later compiler rule refuses them too (with Istio's message) */
  refusedLater?: readonly string[];
}

/** Every KeyRules the compiler passes to checkMap, and the schema object it corresponds to. */
const PAIRINGS: Record<string, Pairing> = {
  "VirtualService document": { rules: RESOURCE, at: "#/definitions/VirtualService" },
  "DestinationRule document": { rules: RESOURCE, at: "#/definitions/DestinationRule" },
  "ServiceEntry document": { rules: RESOURCE, at: "#/definitions/ServiceEntry" },
  "MirrorPolicy document": { rules: RESOURCE, at: "#/definitions/MirrorPolicy" },

  "VirtualService spec": { rules: VIRTUAL_SERVICE, at: "#/definitions/VirtualServiceSpec" },
  "http[]": { rules: HTTP_ROUTE, at: "#/definitions/HTTPRoute" },
  "http[].match[]": { rules: HTTP_MATCH_REQUEST, at: "#/definitions/HTTPMatchRequest" },
  "match uri / scheme / method / authority": { rules: STRING_MATCH, at: "#/definitions/StringMatch" },
  "match headers / withoutHeaders": { rules: STRING_MATCH, at: "#/definitions/HeaderMatch" },
  "match queryParams": { rules: STRING_MATCH, at: "#/definitions/QueryParamMatch" },
  "http[].route[]": { rules: HTTP_ROUTE_DESTINATION, at: "#/definitions/HTTPRouteDestination" },
  "destination / mirror": { rules: DESTINATION, at: "#/definitions/Destination" },
  "destination.port": { rules: PORT_SELECTOR, at: "#/definitions/Destination/properties/port" },
  "http[].mirrors[]": { rules: HTTP_MIRROR_POLICY, at: "#/definitions/HTTPMirrorPolicy" },
  "Percent (mirrorPercentage, percentage)": { rules: PERCENT, at: "#/definitions/Percent" },
  "headers": { rules: HEADERS, at: "#/definitions/Headers" },
  "headers.request / response": { rules: HEADER_OPERATIONS, at: "#/definitions/HeaderOperations" },
  "rewrite": { rules: HTTP_REWRITE, at: "#/definitions/HTTPRewrite" },
  "rewrite.uriRegexRewrite": { rules: REGEX_REWRITE, at: "#/definitions/HTTPRewrite/properties/uriRegexRewrite" },
  "retries": { rules: HTTP_RETRY, at: "#/definitions/HTTPRetry" },
  "fault": { rules: HTTP_FAULT_INJECTION, at: "#/definitions/HTTPFaultInjection" },
  "fault.delay": { rules: FAULT_DELAY, at: "#/definitions/HTTPFaultInjection/properties/delay" },
  "fault.abort": { rules: FAULT_ABORT, at: "#/definitions/HTTPFaultInjection/properties/abort" },
  "redirect": { rules: HTTP_REDIRECT, at: "#/definitions/HTTPRedirect" },
  "directResponse": { rules: HTTP_DIRECT_RESPONSE, at: "#/definitions/HTTPDirectResponse" },
  "directResponse.body": { rules: HTTP_BODY, at: "#/definitions/HTTPDirectResponse/properties/body" },
  "corsPolicy": { rules: CORS_POLICY, at: "#/definitions/CorsPolicy" },

  "DestinationRule spec": { rules: DESTINATION_RULE, at: "#/definitions/DestinationRuleSpec" },
  "subsets[]": { rules: SUBSET, at: "#/definitions/DestinationRuleSpec/properties/subsets/items" },
  "trafficPolicy": { rules: TRAFFIC_POLICY, at: "#/definitions/TrafficPolicy" },
  "trafficPolicy.loadBalancer": { rules: LOAD_BALANCER, at: "#/definitions/LoadBalancerSettings" },
  "loadBalancer.consistentHash": { rules: CONSISTENT_HASH, at: "#/definitions/LoadBalancerSettings/properties/consistentHash" },
  "consistentHash.httpCookie": { rules: HTTP_COOKIE, at: "#/definitions/LoadBalancerSettings/properties/consistentHash/properties/httpCookie" },

  "ServiceEntry spec": { rules: SERVICE_ENTRY, at: "#/definitions/ServiceEntrySpec" },
  "ServiceEntry ports[]": { rules: SERVICE_PORT, at: "#/definitions/ServicePort" },
  "ServiceEntry endpoints[]": { rules: WORKLOAD_ENTRY, at: "#/definitions/WorkloadEntry" },

  "trafficPolicy.tls": { rules: CLIENT_TLS, at: "#/definitions/ClientTLSSettings" },
  "trafficPolicy.connectionPool": { rules: CONNECTION_POOL, at: "#/definitions/ConnectionPoolSettings" },
  "connectionPool.tcp": { rules: TCP_SETTINGS, at: "#/definitions/ConnectionPoolSettings/properties/tcp" },
  "connectionPool.http": { rules: HTTP_SETTINGS, at: "#/definitions/ConnectionPoolSettings/properties/http" },
  "trafficPolicy.outlierDetection": { rules: OUTLIER_DETECTION, at: "#/definitions/OutlierDetection" },
  "trafficPolicy.portLevelSettings[]": { rules: PORT_TRAFFIC_POLICY, at: "#/definitions/TrafficPolicy/properties/portLevelSettings/items" },
  "portLevelSettings[].port": { rules: PORT_SELECTOR, at: "#/definitions/TrafficPolicy/properties/portLevelSettings/items/properties/port" },

  "Gateway document": { rules: RESOURCE, at: "#/definitions/Gateway" },
  "Gateway spec": { rules: GATEWAY, at: "#/definitions/GatewaySpec" },
  "Gateway servers[]": { rules: SERVER, at: "#/definitions/Server" },
  "Gateway servers[].port": { rules: GATEWAY_PORT, at: "#/definitions/GatewayPort" },
  "Gateway servers[].tls": { rules: SERVER_TLS, at: "#/definitions/ServerTLSSettings" },

  "MirrorPolicy spec": { rules: MIRROR_POLICY, at: "#/definitions/MirrorPolicySpec" },
  "MirrorPolicy targetRef": { rules: TARGET_REF, at: "#/definitions/MirrorPolicySpec/properties/targetRef" },
  "MirrorPolicy shadowHeaders": { rules: SHADOW_HEADERS, at: "#/definitions/MirrorPolicySpec/properties/shadowHeaders" },
  "MirrorPolicy sampleKey": { rules: SAMPLE_KEY, at: "#/definitions/MirrorPolicySpec/properties/sampleKey" },
  "MirrorPolicy compare": { rules: COMPARE, at: "#/definitions/MirrorPolicySpec/properties/compare" },
  "MirrorPolicy capture": { rules: CAPTURE, at: "#/definitions/MirrorPolicySpec/properties/capture" },
  "MirrorPolicy compare.gate": { rules: COMPARE_GATE, at: "#/definitions/MirrorPolicySpec/properties/compare/properties/gate" },
  "MirrorPolicy trace": { rules: TRACE, at: "#/definitions/MirrorPolicySpec/properties/trace" },

  "HTTPRoute document": { rules: RESOURCE, at: "#/definitions/GatewayApiHTTPRoute" },
  "HTTPRoute spec": { rules: GATEWAY_API_HTTP_ROUTE, at: "#/definitions/GatewayApiHTTPRouteSpec" },
  "HTTPRoute parentRefs[]": { rules: PARENT_REFERENCE, at: "#/definitions/GatewayApiParentReference" },
  "HTTPRoute rules[]": { rules: HTTP_ROUTE_RULE, at: "#/definitions/GatewayApiHTTPRouteRule" },
  "HTTPRoute rules[].matches[]": { rules: HTTP_ROUTE_MATCH, at: "#/definitions/GatewayApiHTTPRouteMatch" },
  "HTTPRoute matches[].path": { rules: HTTP_PATH_MATCH, at: "#/definitions/GatewayApiHTTPPathMatch" },
  "HTTPRoute matches[].headers[]": { rules: HTTP_HEADER_MATCH, at: "#/definitions/GatewayApiHTTPHeaderMatch" },
  "HTTPRoute matches[].queryParams[]": { rules: HTTP_QUERY_PARAM_MATCH, at: "#/definitions/GatewayApiHTTPQueryParamMatch" },
  "HTTPRoute filters[]": { rules: HTTP_ROUTE_FILTER, at: "#/definitions/GatewayApiHTTPRouteFilter" },
  "HTTPRoute header modifier": { rules: HTTP_HEADER_FILTER, at: "#/definitions/GatewayApiHTTPHeaderFilter" },
  "HTTPRoute header modifier set[] / add[]": { rules: HTTP_HEADER, at: "#/definitions/GatewayApiHTTPHeader" },
  "HTTPRoute requestMirror": { rules: HTTP_REQUEST_MIRROR, at: "#/definitions/GatewayApiHTTPRequestMirrorFilter" },
  "HTTPRoute requestMirror.fraction": { rules: FRACTION, at: "#/definitions/GatewayApiFraction" },
  "HTTPRoute requestMirror.backendRef": { rules: BACKEND_OBJECT_REFERENCE, at: "#/definitions/GatewayApiBackendObjectReference" },
  "HTTPRoute requestRedirect": { rules: HTTP_REQUEST_REDIRECT, at: "#/definitions/GatewayApiHTTPRequestRedirectFilter" },
  "HTTPRoute urlRewrite": { rules: HTTP_URL_REWRITE, at: "#/definitions/GatewayApiHTTPURLRewriteFilter" },
  "HTTPRoute path modifier": { rules: HTTP_PATH_MODIFIER, at: "#/definitions/GatewayApiHTTPPathModifier" },
  "HTTPRoute cors": { rules: HTTP_CORS_FILTER, at: "#/definitions/GatewayApiHTTPCORSFilter" },
  "HTTPRoute backendRefs[]": { rules: HTTP_BACKEND_REF, at: "#/definitions/GatewayApiHTTPBackendRef" },
  "HTTPRoute timeouts": { rules: HTTP_ROUTE_TIMEOUTS, at: "#/definitions/GatewayApiHTTPRouteTimeouts" },
  "HTTPRoute retry": { rules: HTTP_ROUTE_RETRY, at: "#/definitions/GatewayApiHTTPRouteRetry" },
  "Gateway API Gateway document": { rules: RESOURCE, at: "#/definitions/GatewayApiGateway" },
  "Gateway API Gateway spec": { rules: GATEWAY_API_GATEWAY, at: "#/definitions/GatewayApiGatewaySpec" },
  "Gateway API listeners[]": { rules: GATEWAY_API_LISTENER, at: "#/definitions/GatewayApiListener" },
  "Gateway API listeners[].allowedRoutes": { rules: ALLOWED_ROUTES, at: "#/definitions/GatewayApiAllowedRoutes" },
  "Gateway API allowedRoutes.namespaces": { rules: ROUTE_NAMESPACES, at: "#/definitions/GatewayApiRouteNamespaces" },
  "Gateway API allowedRoutes.kinds[]": { rules: ROUTE_GROUP_KIND, at: "#/definitions/GatewayApiRouteGroupKind" },
  "Gateway API allowedRoutes.namespaces.selector": { rules: LABEL_SELECTOR, at: "#/definitions/LabelSelector" },
  "Gateway API selector matchExpressions[]": { rules: LABEL_SELECTOR_REQUIREMENT, at: "#/definitions/LabelSelectorRequirement" },
  "BackendTLSPolicy document": { rules: RESOURCE, at: "#/definitions/GatewayApiBackendTLSPolicy" },
  "BackendTLSPolicy spec": { rules: BACKEND_TLS_POLICY, at: "#/definitions/GatewayApiBackendTLSPolicySpec" },
  "BackendTLSPolicy targetRefs[]": { rules: BACKEND_TLS_TARGET, at: "#/definitions/GatewayApiBackendTLSPolicyTarget" },
  "BackendTLSPolicy validation": { rules: BACKEND_TLS_VALIDATION, at: "#/definitions/GatewayApiBackendTLSPolicyValidation" },
  "Service document": { rules: RESOURCE, at: "#/definitions/KubernetesService" },
  "Service spec": { rules: KUBERNETES_SERVICE, at: "#/definitions/KubernetesServiceSpec" },
  "Service ports[]": { rules: KUBERNETES_SERVICE_PORT, at: "#/definitions/KubernetesServicePort" },
  "WorkloadEntry document": { rules: RESOURCE, at: "#/definitions/WorkloadEntryResource" },
};

function resolve(pointer: string): Schema {
  let node: unknown = root;
  for (const part of pointer.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  if (node === undefined) throw new Error(`${pointer} is not in the schema`);
  return node as Schema;
}

function deref(node: Schema): Schema {
  return typeof node === "object" && typeof node.$ref === "string" ? deref(resolve(node.$ref)) : node;
}

/**
 * The keys a closed schema object accepts: its own properties, except those set to
 * `false` (additionalProperties: false sees only its sibling properties, not those of
 * allOf/anyOf/oneOf branches).
 */
function acceptedKeys(node: Schema): Set<string> {
  const schema = deref(node);
  if (typeof schema !== "object") return new Set();
  return new Set(Object.entries((schema.properties ?? {}) as Record<string, Schema>).flatMap(([key, value]) => (value === false ? [] : [key])));
}

const sorted = (keys: Iterable<string>) => [...keys].sort();

describe("each object the compiler reads has the same fields in the schema", () => {
  it.each(Object.entries(PAIRINGS))("%s", (_, { rules, at, refusedLater = [] }) => {
    const accepted = [...rules.known, ...Object.keys(rules.ignored ?? {})].filter((k) => !refusedLater.includes(k));
    const refused = [...Object.keys(rules.notYet ?? {}), ...Object.keys(rules.refused ?? {}), ...refusedLater];
    const schema = acceptedKeys(resolve(at));
    expect({ at, keys: sorted(schema) }).toEqual({ at, keys: sorted(accepted) });
    expect(refused.filter((k) => schema.has(k))).toEqual([]);
    expect(deref(resolve(at))).toMatchObject({ additionalProperties: false });
  });
});

describe("the pairing is complete", () => {
  it("every closed object of the schema is paired with the compiler's rules for it", () => {
    const closed: string[] = [];
    const walk = (node: unknown, pointer: string): void => {
      if (typeof node !== "object" || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.additionalProperties === false) closed.push(pointer);
      for (const key of ["properties", "definitions"]) {
        for (const [name, child] of Object.entries((schema[key] ?? {}) as Record<string, unknown>)) walk(child, `${pointer}/${key}/${name}`);
      }
      for (const key of ["items", "additionalProperties", "if", "then", "else", "not"]) walk(schema[key], `${pointer}/${key}`);
      for (const key of ["allOf", "anyOf", "oneOf"]) ((schema[key] ?? []) as unknown[]).forEach((child, i) => walk(child, `${pointer}/${key}/${i}`));
    };
    walk(root, "#");
    const paired = new Set(Object.values(PAIRINGS).map((p) => p.at));
    expect(closed.filter((pointer) => !paired.has(pointer))).toEqual([]);
  });

  it("every checkMap in the compiler reads an exported KeyRules that is paired above", () => {
    const exported = new Map<string, unknown>(Object.values(MODULES).flatMap((module) => Object.entries(module)));
    const paired = new Set<unknown>(Object.values(PAIRINGS).map((p) => p.rules));
    const unpaired = readdirSync("src/config", { recursive: true, encoding: "utf8" })
      .filter((file) => file.endsWith(".ts"))
      .flatMap((file) =>
        readFileSync(`src/config/${file}`, "utf8")
          .split("\n")
          .flatMap((line, i) => [...line.matchAll(/checkMap\(\s*([^)]*)/g)].map((m) => ({ where: `src/config/${file}:${i + 1}`, argument: m[1]! }))),
      )
      .filter(({ argument }) => argument !== "rules: KeyRules" && !paired.has(exported.get(argument)));
    expect(unpaired).toEqual([]);
  });
});

/** Every number field of the schema and the field-cursor rule the compiler reads it with. */
const WHOLE = (maximum: number) => ({ type: "integer", minimum: 0, maximum });
const VALUE_RULES: Record<string, { at: string; rule: Record<string, unknown> }> = {
  "port(): match port": { at: "#/definitions/HTTPMatchRequest/properties/port", rule: { type: "integer", ...PORT_RANGE } },
  "port(): destination.port.number": { at: "#/definitions/Destination/properties/port/properties/number", rule: { type: "integer", ...PORT_RANGE } },
  "port(): redirect.port": { at: "#/definitions/HTTPRedirect/properties/port", rule: { type: "integer", ...PORT_RANGE } },
  "port(): ServiceEntry ports[].number": { at: "#/definitions/ServicePort/properties/number", rule: { type: "integer", ...PORT_RANGE } },
  "port(): endpoints[].ports values": { at: "#/definitions/WorkloadEntry/properties/ports/additionalProperties", rule: { type: "integer", ...PORT_RANGE } },
  "httpStatus(): directResponse.status": { at: "#/definitions/HTTPDirectResponse/properties/status", rule: { type: "integer", ...HTTP_STATUS_RANGE } },
  "httpStatus(): fault.abort.httpStatus": { at: "#/definitions/HTTPFaultInjection/properties/abort/properties/httpStatus", rule: { type: "integer", ...HTTP_STATUS_RANGE } },
  "redirectStatus(): redirect.redirectCode": { at: "#/definitions/HTTPRedirect/properties/redirectCode", rule: { type: "integer", enum: REDIRECT_STATUSES } },
  "percent(): Percent.value": { at: "#/definitions/Percent/properties/value", rule: { type: "number", ...PERCENT_RANGE } },
  "deprecatedPercent(): mirrorPercent": { at: "#/definitions/HTTPRoute/properties/mirrorPercent", rule: WHOLE(PERCENT_RANGE.maximum) },
  "deprecatedPercent(): fault percent": { at: "#/definitions/FaultPercent", rule: WHOLE(PERCENT_RANGE.maximum) },
  "wholeNumber(): route[].weight": { at: "#/definitions/HTTPRouteDestination/properties/weight", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): retries.attempts": { at: "#/definitions/HTTPRetry/properties/attempts", rule: WHOLE(MAX_RETRY_ATTEMPTS) },
  "wholeNumber(): MirrorPolicy bodyCapBytes": { at: "#/definitions/MirrorPolicySpec/properties/bodyCapBytes", rule: WHOLE(MAX_BODY_CAP_BYTES) },
  "port(): ServiceEntry ports[].targetPort": { at: "#/definitions/ServicePort/properties/targetPort", rule: { type: "integer", ...PORT_RANGE } },
  "port(): portLevelSettings[].port.number": { at: "#/definitions/TrafficPolicy/properties/portLevelSettings/items/properties/port/properties/number", rule: { type: "integer", ...PORT_RANGE } },
  "port(): Gateway servers[].port.number": { at: "#/definitions/GatewayPort/properties/number", rule: { type: "integer", ...PORT_RANGE } },
  "wholeNumber(): connectionPool.tcp.maxConnections": { at: "#/definitions/ConnectionPoolSettings/properties/tcp/properties/maxConnections", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): connectionPool.http.http1MaxPendingRequests": { at: "#/definitions/ConnectionPoolSettings/properties/http/properties/http1MaxPendingRequests", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): connectionPool.http.http2MaxRequests": { at: "#/definitions/ConnectionPoolSettings/properties/http/properties/http2MaxRequests", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): connectionPool.http.maxRequestsPerConnection": { at: "#/definitions/ConnectionPoolSettings/properties/http/properties/maxRequestsPerConnection", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): connectionPool.http.maxRetries": { at: "#/definitions/ConnectionPoolSettings/properties/http/properties/maxRetries", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): connectionPool.http.maxConcurrentStreams": { at: "#/definitions/ConnectionPoolSettings/properties/http/properties/maxConcurrentStreams", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): outlierDetection.consecutiveErrors": { at: "#/definitions/OutlierDetection/properties/consecutiveErrors", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): outlierDetection.consecutiveLocalOriginFailures": { at: "#/definitions/OutlierDetection/properties/consecutiveLocalOriginFailures", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): outlierDetection.consecutiveGatewayErrors": { at: "#/definitions/OutlierDetection/properties/consecutiveGatewayErrors", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): outlierDetection.consecutive5xxErrors": { at: "#/definitions/OutlierDetection/properties/consecutive5xxErrors", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): outlierDetection.maxEjectionPercent": { at: "#/definitions/OutlierDetection/properties/maxEjectionPercent", rule: WHOLE(100) },
  "wholeNumber(): outlierDetection.minHealthPercent": { at: "#/definitions/OutlierDetection/properties/minHealthPercent", rule: WHOLE(100) },
  "httpStatus(): outlierDetection.outlierDetectionHttpErrorCodes[]": { at: "#/definitions/OutlierDetection/properties/outlierDetectionHttpErrorCodes/items", rule: { type: "integer", ...HTTP_STATUS_RANGE } },
  "percentage(): MirrorPolicy compare.percent": { at: "#/definitions/MirrorPolicySpec/properties/compare/properties/percent", rule: { type: "number", ...PERCENT_RANGE } },
  "percentage(): MirrorPolicy compare.noisePercent": { at: "#/definitions/MirrorPolicySpec/properties/compare/properties/noisePercent", rule: { type: "number", ...PERCENT_RANGE } },
  "percentage(): MirrorPolicy capture.percent": { at: "#/definitions/MirrorPolicySpec/properties/capture/properties/percent", rule: { type: "number", ...PERCENT_RANGE } },
  "wholeNumber(): MirrorPolicy capture.maxBodyBytes": { at: "#/definitions/MirrorPolicySpec/properties/capture/properties/maxBodyBytes", rule: WHOLE(MAX_CAPTURE_BODY_BYTES) },
  "wholeNumber() ≥ 1: MirrorPolicy capture.ttlDays": { at: "#/definitions/MirrorPolicySpec/properties/capture/properties/ttlDays", rule: { type: "integer", minimum: 1, maximum: MAX_CAPTURE_TTL_DAYS } },
  "percentage(): MirrorPolicy trace.percent": { at: "#/definitions/MirrorPolicySpec/properties/trace/properties/percent", rule: { type: "number", ...PERCENT_RANGE } },
  "wholeNumber(): MirrorPolicy compare.maxBodyBytes": { at: "#/definitions/MirrorPolicySpec/properties/compare/properties/maxBodyBytes", rule: WHOLE(MAX_COMPARE_BODY_BYTES) },
  "percentage(): MirrorPolicy compare.gate.maxDivergencePercent": {
    at: "#/definitions/MirrorPolicySpec/properties/compare/properties/gate/properties/maxDivergencePercent",
    rule: { type: "number", ...PERCENT_RANGE },
  },
  "number() 0..MAX_LATENCY_SHIFT_LIMIT_MS: MirrorPolicy compare.gate.maxLatencyShiftMs": {
    at: "#/definitions/MirrorPolicySpec/properties/compare/properties/gate/properties/maxLatencyShiftMs",
    rule: { type: "number", minimum: 0, maximum: MAX_LATENCY_SHIFT_LIMIT_MS },
  },
  "wholeNumber(): MirrorPolicy compare.gate.minCompared": { at: "#/definitions/MirrorPolicySpec/properties/compare/properties/gate/properties/minCompared", rule: WHOLE(INT32_MAX) },
  "port(): HTTPRoute parentRefs[].port": { at: "#/definitions/GatewayApiParentReference/properties/port", rule: { type: "integer", ...PORT_RANGE } },
  "port(): HTTPRoute backendRefs[].port": { at: "#/definitions/GatewayApiHTTPBackendRef/properties/port", rule: { type: "integer", ...PORT_RANGE } },
  "port(): HTTPRoute requestMirror.backendRef.port": { at: "#/definitions/GatewayApiBackendObjectReference/properties/port", rule: { type: "integer", ...PORT_RANGE } },
  "port(): HTTPRoute requestRedirect.port": { at: "#/definitions/GatewayApiHTTPRequestRedirectFilter/properties/port", rule: { type: "integer", ...PORT_RANGE } },
  "redirectStatus(): HTTPRoute requestRedirect.statusCode": { at: "#/definitions/GatewayApiHTTPRequestRedirectFilter/properties/statusCode", rule: { type: "integer", enum: REDIRECT_STATUSES } },
  "wholeNumber(): HTTPRoute backendRefs[].weight": { at: "#/definitions/GatewayApiHTTPBackendRef/properties/weight", rule: WHOLE(MAX_BACKEND_WEIGHT) },
  "wholeNumber(): HTTPRoute requestMirror.percent": { at: "#/definitions/GatewayApiHTTPRequestMirrorFilter/properties/percent", rule: WHOLE(PERCENT_RANGE.maximum) },
  "wholeNumber(): HTTPRoute requestMirror.fraction.numerator": { at: "#/definitions/GatewayApiFraction/properties/numerator", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): HTTPRoute requestMirror.fraction.denominator": { at: "#/definitions/GatewayApiFraction/properties/denominator", rule: WHOLE(INT32_MAX) },
  "wholeNumber(): HTTPRoute cors.maxAge": { at: "#/definitions/GatewayApiHTTPCORSFilter/properties/maxAge", rule: WHOLE(MAX_CORS_MAX_AGE_SECONDS) },
  "wholeNumber(): HTTPRoute retry.attempts": { at: "#/definitions/GatewayApiHTTPRouteRetry/properties/attempts", rule: WHOLE(MAX_RETRY_ATTEMPTS) },
  "HTTPRoute retry.codes[] (RETRY_CODE_RANGE)": { at: "#/definitions/GatewayApiHTTPRouteRetry/properties/codes/items", rule: { type: "integer", ...RETRY_CODE_RANGE } },
  "port(): Gateway API listeners[].port": { at: "#/definitions/GatewayApiListener/properties/port", rule: { type: "integer", ...PORT_RANGE } },
  "port(): Service ports[].port": { at: "#/definitions/KubernetesServicePort/properties/port", rule: { type: "integer", ...PORT_RANGE } },
};

describe("each number field has the same bounds in the schema as in the compiler's value rule", () => {
  it.each(Object.entries(VALUE_RULES))("%s", (_, { at, rule }) => {
    expect(deref(resolve(at))).toMatchObject(rule);
  });

  it("every number field of the schema is listed above", () => {
    const numbers: string[] = [];
    const walk = (node: unknown, pointer: string): void => {
      if (typeof node !== "object" || node === null) return;
      const schema = node as Record<string, unknown>;
      if (schema.type === "integer" || schema.type === "number") numbers.push(pointer);
      for (const key of ["properties", "definitions"]) {
        for (const [name, child] of Object.entries((schema[key] ?? {}) as Record<string, unknown>)) walk(child, `${pointer}/${key}/${name}`);
      }
      for (const key of ["items", "additionalProperties"]) walk(schema[key], `${pointer}/${key}`);
    };
    walk(root, "#");
    const listed = new Set(Object.values(VALUE_RULES).map((v) => v.at));
    expect(numbers.filter((pointer) => !listed.has(pointer))).toEqual([]);
  });
});
