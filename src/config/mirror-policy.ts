// edge-mirror's own resource for what Istio has no field for:
//
//   apiVersion: edge-mirror.dev/v1alpha1
//   kind: MirrorPolicy
//   spec:
//     targetRef: {virtualService: httpbin, route: default}   # route: an http[].name; absent = every route
//     # or {kind: HTTPRoute, name: httpbin, rule: default}   # rule: a rules[].name; absent = every rule
//     hostSuffix: true          # Envoy's -shadow suffix (Istio >= 1.28 drops it by default)
//     bodyCapBytes: 1048576     # larger bodies are not mirrored
//     shadowHeaders: {remove: [authorization, cookie], set: {x-shadow: "1"}}
//     methods: [GET, HEAD]      # default: every method, as Istio
//     sampleKey: {header: x-user-id}   # or cookie / queryParam: the same user is consistently in or out
//     compare: {}               # compare v1's and v2's answers (compare-policy.ts); absent = off
//     capture: {percent: 1}     # record exchanges to R2 for replay (capture-policy.ts); absent = off
//     trace: {percent: 1}       # start a sampled W3C trace on both legs for 1 % of mirrored requests
//                               # that arrive without a valid traceparent (proxy/trace-context.ts); absent = off
//
// Every default equals Istio's behaviour, so the walkthrough needs no policy.
import type { Field, KeyRules } from "./field";
import type { HashKey, ShadowSettings } from "../routing/table";
import { defaultShadowSettings } from "./defaults";
import { headerName, headerNames } from "./header-names";
import { readHeaderValues } from "./header-values";
import { readCompare } from "./compare-policy";
import { readCapture } from "./capture-policy";
import { warnFinerThanStep } from "./per-million";
import { perMillion } from "../routing/per-million";
import { readHttpRouteTarget, type HttpRouteTarget } from "./gateway-api/policy-target";

export const POLICY_GROUP = "edge-mirror.dev";
export const POLICY_VERSIONS = ["v1alpha1"] as const;

export interface MirrorPolicySpec {
  name: string;
  /** targetRef {virtualService, route?} */
  virtualService?: string;
  route?: string;
  /** targetRef {kind: HTTPRoute, name, rule?} (gateway-api/policy-target.ts) */
  httpRoute?: HttpRouteTarget;
  settings: ShadowSettings;
  field: Field;
}

const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"];

/** Workers isolates have 128 MB; a copy is held per mirrored request in flight. */
export const MAX_BODY_CAP_BYTES = 16 * 1024 * 1024;

export const MIRROR_POLICY: KeyRules = { known: ["targetRef", "hostSuffix", "bodyCapBytes", "shadowHeaders", "methods", "sampleKey", "compare", "capture", "trace"] };
export const TARGET_REF: KeyRules = { known: ["virtualService", "route", "kind", "name", "rule"] };
export const SHADOW_HEADERS: KeyRules = { known: ["remove", "set"] };
/** MirrorPolicy `trace`: its percent is required (there is no useful default). */
export const TRACE: KeyRules = { known: ["percent"] };
/** Exactly one of the known keys. */
export const SAMPLE_KEY: KeyRules = { known: ["header", "cookie", "queryParam"] };

export function readMirrorPolicy(name: string, spec: Field): MirrorPolicySpec | undefined {
  if (!spec.checkMap(MIRROR_POLICY)) return undefined;
  const target = spec.get("targetRef");
  if (!target.require("add targetRef: {virtualService: <name>} or {kind: HTTPRoute, name: <name>}") || !target.checkMap(TARGET_REF)) return undefined;
  const httpRoute = readHttpRouteTarget(target);
  if (httpRoute === undefined) return undefined;
  if (httpRoute === null) target.get("virtualService").require("name the VirtualService whose mirrors this policy shapes");
  const virtualService = target.get("virtualService").string();
  const route = target.get("route").string();

  const settings = defaultShadowSettings();
  const suffix = spec.get("hostSuffix").boolean();
  if (suffix !== undefined) settings.hostSuffix = suffix;
  const cap = spec.get("bodyCapBytes").wholeNumber({ max: MAX_BODY_CAP_BYTES, unit: "bytes" });
  if (cap !== undefined) settings.bodyCapBytes = cap;
  const headers = spec.get("shadowHeaders");
  if (headers.checkMap(SHADOW_HEADERS)) {
    // Names the runtime's Headers accepts, values fetch() can send, Envoy %VARIABLE%s compiled.
    settings.removeHeaders = headerNames(headers.get("remove"));
    const { values, formats } = readHeaderValues(headers.get("set"));
    settings.setHeaders = values;
    if (Object.keys(formats).length) settings.setFormats = formats;
  }
  if (spec.get("methods").present) {
    const methods = spec.get("methods").items().flatMap((m) => {
      const method = m.string()?.toUpperCase();
      if (method !== undefined && !METHODS.includes(method)) {
        m.error(`"${method}" is not an HTTP method edge-mirror mirrors`, `use ${METHODS.join(", ")}`);
        return [];
      }
      return method === undefined ? [] : [method];
    });
    settings.methods = methods;
  }
  const key = spec.get("sampleKey");
  if (key.checkMap(SAMPLE_KEY)) {
    const kinds = SAMPLE_KEY.known.filter((k) => key.get(k).present);
    if (kinds.length !== 1) key.error(`needs exactly one of ${SAMPLE_KEY.known.join(", ")}`);
    else {
      const value = kinds[0] === "header" ? stringHeaderName(key.get("header")) : key.get(kinds[0]!).string();
      if (value !== undefined) {
        const sampleKey: HashKey = kinds[0] === "header" ? { header: value.toLowerCase() } : kinds[0] === "cookie" ? { cookie: value } : { query: value };
        settings.sampleKey = sampleKey;
      }
    }
  }
  const compare = readCompare(spec.get("compare"));
  if (compare) settings.compare = compare;
  const capture = readCapture(spec.get("capture"));
  if (capture) settings.capture = capture;
  const trace = spec.get("trace");
  if (trace.checkMap(TRACE) && trace.get("percent").require("add percent: of the mirrored requests without a valid traceparent, how many start a trace (0 to 100)")) {
    // In millionths, truncated as every percentage is (routing/per-million.ts).
    const percent = trace.get("percent").percentage();
    if (percent !== undefined) {
      warnFinerThanStep(trace.get("percent"), percent);
      settings.trace = { perMillion: perMillion(percent) };
    }
  }
  if (httpRoute) return { name, httpRoute, settings, field: spec };
  return virtualService === undefined ? undefined : { name, virtualService, route, settings, field: spec };
}

/** A header name field: a token (the runtime reads it with Headers.get), lowercased. */
function stringHeaderName(f: Field): string | undefined {
  const name = f.string();
  return name === undefined ? undefined : headerName(f, name);
}
