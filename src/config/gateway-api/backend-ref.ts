// BackendObjectReference / HTTPBackendRef (gateway-api apis/v1/object_reference_types.go,
// httproute_types.go): where a rule's requests, or a RequestMirror's copies, go. A
// core Service (the default kind) needs `port`; Istio's `networking.istio.io`
// `Hostname` names a ServiceEntry host. Resolving them to origins is backends.ts's job.
import type { Field, KeyRules } from "../field";

/** RequestMirror's backendRef. */
export const BACKEND_OBJECT_REFERENCE: KeyRules = { known: ["group", "kind", "name", "namespace", "port"] };
/** rules[].backendRefs[] */
export const HTTP_BACKEND_REF: KeyRules = { known: ["group", "kind", "name", "namespace", "port", "weight", "filters"] };

/** Gateway API's largest backend weight (the CRD's maximum). */
export const MAX_BACKEND_WEIGHT = 1_000_000;
export const ISTIO_HOSTNAME_GROUP = "networking.istio.io";

export interface BackendRefSpec {
  /** "" (core) for a Service, networking.istio.io for a Hostname */
  group: string;
  kind: "Service" | "Hostname";
  name: string;
  namespace?: string;
  port?: number;
  field: Field;
}

/** `of`: a rule's backendRef (with weight and filters) or a RequestMirror's. */
export function readBackendRef(f: Field, of: "backendRef" | "mirror"): BackendRefSpec | undefined {
  if (!(of === "backendRef" ? f.checkMap(HTTP_BACKEND_REF) : f.checkMap(BACKEND_OBJECT_REFERENCE))) return undefined;
  const group = f.get("group").string() ?? "";
  const kind = f.get("kind").string() ?? "Service";
  f.get("name").require("name the Service, e.g. name: httpbin-v1");
  const name = f.get("name").string();
  const port = f.get("port").port();
  const namespace = f.get("namespace").string();
  const service = group === "" && kind === "Service";
  const hostname = group === ISTIO_HOSTNAME_GROUP && kind === "Hostname";
  if (!service && !hostname) {
    f.get(f.get("kind").present ? "kind" : "group").error(
      `edge-mirror cannot resolve a backend of kind ${group ? `${group}/` : ""}${kind}`,
      'use a core Service (no group or group: "", kind: Service) or Istio\'s {group: networking.istio.io, kind: Hostname} for a ServiceEntry host',
    );
    return undefined;
  }
  if (service && !f.get("port").present) f.get("port").error("is required for a Service backend (Gateway API)", "add the Service port, e.g. port: 80");
  if (name === undefined || (service && port === undefined)) return undefined;
  const ref: BackendRefSpec = { group, kind: service ? "Service" : "Hostname", name, field: f };
  if (namespace !== undefined) ref.namespace = namespace;
  if (port !== undefined) ref.port = port;
  return ref;
}

/** `weight`: default 1; 0 = no traffic (Gateway API, unlike a single Istio destination). */
export function readWeight(f: Field): number {
  if (!f.present) return 1;
  return f.wholeNumber({ max: MAX_BACKEND_WEIGHT, fix: "weights are relative: each backend gets weight / sum" }) ?? 0;
}
