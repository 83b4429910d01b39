// The documents of the Kubernetes Gateway API dialect routes.yaml reads besides
// Istio's: HTTPRoute and Gateway (gateway.networking.k8s.io), the core v1 Service
// they point at, and Istio's WorkloadEntry, which says where a Service's selected
// workloads run (the one thing a cluster knows and the edge does not).
//
// BackendTLSPolicy (gateway.networking.k8s.io) says a Service's backends speak TLS.
// Envoy Gateway's policies that can restrict access (SecurityPolicy, ClientTrafficPolicy,
// BackendTrafficPolicy, EnvoyExtensionPolicy, gateway.envoyproxy.io) are read only to fail
// closed where they do: the worker enforces none of them (access-control.ts).
//
// A Gateway API Gateway and Istio's Gateway (networking.istio.io) share a kind
// name, so the documents are told apart by group and carry their own internal kind.

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
export const GATEWAY_API_VERSIONS = ["v1", "v1beta1"] as const;
const ISTIO_GROUP = "networking.istio.io";
const ISTIO_VERSIONS = ["v1alpha3", "v1beta1", "v1"] as const;
export const ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io";
/** Envoy Gateway policy kinds with fields that restrict access (access-control.ts). */
export const ENVOY_GATEWAY_POLICIES = ["SecurityPolicy", "ClientTrafficPolicy", "BackendTrafficPolicy", "EnvoyExtensionPolicy"];

/** The kinds as compile.ts dispatches on them. */
export const GATEWAY_API_KINDS = ["HTTPRoute", "GatewayApiGateway", "Service", "WorkloadEntry", "BackendTLSPolicy", "EnvoyGatewayPolicy", "Namespace"] as const;
export type GatewayApiKind = (typeof GATEWAY_API_KINDS)[number];

/** For the "skipped" warning: what this dialect reads, in users' words. */
export const GATEWAY_API_READS = `HTTPRoute, Gateway and BackendTLSPolicy from ${GATEWAY_API_GROUP}, Service and Namespace (v1), WorkloadEntry from ${ISTIO_GROUP}, Envoy Gateway's ${ENVOY_GATEWAY_POLICIES.join(", ")} (to refuse what restricts access)`;

export interface GatewayApiDocument {
  kind: GatewayApiKind;
  versions: readonly string[];
}

/** The internal kind and accepted versions of a document of this dialect, or undefined. */
export function gatewayApiDocument(group: string | undefined, kind: string | undefined): GatewayApiDocument | undefined {
  if (group === GATEWAY_API_GROUP && kind === "HTTPRoute") return { kind: "HTTPRoute", versions: GATEWAY_API_VERSIONS };
  if (group === GATEWAY_API_GROUP && kind === "Gateway") return { kind: "GatewayApiGateway", versions: GATEWAY_API_VERSIONS };
  if (group === GATEWAY_API_GROUP && kind === "BackendTLSPolicy") return { kind: "BackendTLSPolicy", versions: ["v1", "v1alpha3"] };
  if (group === ENVOY_GATEWAY_GROUP && ENVOY_GATEWAY_POLICIES.includes(kind ?? "")) return { kind: "EnvoyGatewayPolicy", versions: ["v1alpha1"] };
  // The core group has no name: `apiVersion: v1`.
  if (group === undefined && kind === "Service") return { kind: "Service", versions: ["v1"] };
  // Its labels, which a listener's allowedRoutes.namespaces.selector selects by.
  if (group === undefined && kind === "Namespace") return { kind: "Namespace", versions: ["v1"] };
  if (group === ISTIO_GROUP && kind === "WorkloadEntry") return { kind: "WorkloadEntry", versions: ISTIO_VERSIONS };
  return undefined;
}

export function isGatewayApiKind(kind: string): kind is GatewayApiKind {
  return (GATEWAY_API_KINDS as readonly string[]).includes(kind);
}
