// BackendTLSPolicy (gateway.networking.k8s.io/v1, apis/v1/backendtlspolicy_types.go):
// the backend of a Service speaks TLS, with the policy's hostname as SNI and its
// certificate validated against well-known CAs or the named CA certificates.
//
// A Worker's fetch to `https://<host>:<port>` sends <host> as SNI and verifies the
// certificate for <host> against publicly trusted CAs. So the edge honours
// `wellKnownCACertificates: System` when the origin's host is the policy's hostname,
// and refuses, with the reason, what it cannot do: CA certificates from a ConfigMap or
// Secret, subjectAltNames other than the hostname, an origin address that differs
// from the hostname (SNI and the URL host cannot differ in a fetch). Never plain HTTP
// to a backend the policy says is TLS: a refused policy fails the build.
import type { Field, KeyRules } from "../field";
import type { Resource } from "../documents";
import { objectMeta, type ObjectMeta } from "./metadata";

export const BACKEND_TLS_POLICY: KeyRules = {
  api: "a Gateway API",
  known: ["targetRefs", "validation"],
  notYet: { options: "implementation-specific TLS options; none is defined for the edge" },
};
export const BACKEND_TLS_TARGET: KeyRules = { known: ["group", "kind", "name", "sectionName"] };
const WORKER_TLS = "a Worker's fetch verifies an origin's certificate for the URL's host against publicly trusted CAs, and cannot be given other CA certificates or names";
export const BACKEND_TLS_VALIDATION: KeyRules = {
  api: "a Gateway API",
  known: ["hostname", "wellKnownCACertificates"],
  refused: { caCertificateRefs: WORKER_TLS, subjectAltNames: WORKER_TLS },
  fixes: {
    caCertificateRefs: "give the backend a certificate from a public CA for the policy's hostname and use wellKnownCACertificates: System",
    subjectAltNames: "give the backend a certificate for the policy's hostname and remove subjectAltNames",
  },
};

export interface BackendTlsPolicySpec extends ObjectMeta {
  /** the Services it applies to: name → the port name it is limited to (sectionName), or undefined for every port */
  targets: { name: string; sectionName?: string; field: Field }[];
  hostname: string;
  field: Field;
}

/** The policy, or undefined (with errors recorded) when the edge cannot honour it. */
export function readBackendTlsPolicy(doc: Resource): BackendTlsPolicySpec | undefined {
  const spec = doc.spec;
  if (!spec.checkMap(BACKEND_TLS_POLICY)) return undefined;
  spec.get("targetRefs").require("name the Service whose backends speak TLS: targetRefs: [{group: \"\", kind: Service, name: <Service>}]");
  const targets = spec.get("targetRefs").items().flatMap((t) => {
    if (!t.checkMap(BACKEND_TLS_TARGET)) return [];
    const group = t.get("group").string() ?? "";
    const kind = t.get("kind").string();
    const name = t.get("name").string();
    t.get("name").require("name the Service");
    if (group !== "" || kind !== "Service") {
      t.get("kind").error(`the edge applies a BackendTLSPolicy to a core Service, not to ${group ? `${group}/` : ""}${kind ?? "(no kind)"}`, 'use group: "", kind: Service');
      return [];
    }
    if (name === undefined) return [];
    const sectionName = t.get("sectionName").string();
    return [{ name, ...(sectionName === undefined ? {} : { sectionName }), field: t }];
  });
  const validation = spec.get("validation");
  validation.require("add validation: {hostname: <backend's DNS name>, wellKnownCACertificates: System}");
  if (!validation.checkMap(BACKEND_TLS_VALIDATION)) return undefined;
  const hostnameField = validation.get("hostname");
  hostnameField.require("name the DNS name the backend's certificate is for (sent as SNI)");
  const wellKnown = validation.get("wellKnownCACertificates");
  const caRefs = validation.get("caCertificateRefs").present;
  if (!wellKnown.present && !caRefs) validation.error("needs wellKnownCACertificates or caCertificateRefs (Gateway API requires exactly one)", "add wellKnownCACertificates: System");
  const system = wellKnown.string();
  if (system !== undefined && system !== "System") wellKnown.error(`unknown value "${system}"`, "use System");
  const hostname = hostnameField.string()?.toLowerCase();
  if (hostname === undefined || system !== "System" || caRefs || validation.get("subjectAltNames").present) return undefined;
  return { ...objectMeta(doc), targets, hostname, field: spec };
}
