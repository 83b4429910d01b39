// routes.yaml text → the Istio resources in it, each with a Field cursor that keeps
// line/column. Documents of other kinds (Deployments, Services, the rest of a
// manifest) are skipped with a warning, so users can feed in what they have.
import { LineCounter, parseAllDocuments, isMap, isSeq, type Node } from "yaml";
import { Field, nearest, type KeyRules, type ReadContext } from "./field";
import type { Problems } from "./errors";
import { POLICY_GROUP, POLICY_VERSIONS } from "./mirror-policy";
import { resolveAliases } from "./yaml-aliases";
import { leadSyntaxError } from "./yaml-syntax";
import { ENVOY_GATEWAY_GROUP, ENVOY_GATEWAY_POLICIES, GATEWAY_API_GROUP, GATEWAY_API_READS, gatewayApiDocument, type GatewayApiKind } from "./gateway-api/kinds";
import { refuseAccessControl } from "./istio/access-control";

export const ISTIO_GROUP = "networking.istio.io";
export const ISTIO_VERSIONS = ["v1alpha3", "v1beta1", "v1"] as const;
export const ISTIO_KINDS = ["VirtualService", "DestinationRule", "ServiceEntry", "Gateway"] as const;
export type IstioKind = (typeof ISTIO_KINDS)[number];
export type Kind = IstioKind | "MirrorPolicy" | GatewayApiKind;

/** The top level of every document edge-mirror reads. metadata is identity, not behaviour: everything kubectl writes there is accepted. */
export const RESOURCE: KeyRules = { known: ["apiVersion", "kind", "metadata", "spec", "status"] };

export interface Resource {
  kind: Kind;
  name: string;
  /** metadata.namespace: only Gateway bindings read it (`prod/api.example.com`, `gateways: [prod/gw]`). */
  namespace?: string;
  /** The whole document, for errors about the resource itself. */
  root: Field;
  spec: Field;
}

export function readDocuments(text: string, problems: Problems): Resource[] {
  const lineCounter = new LineCounter();
  // merge: `<<` keys, which kubectl resolves (YAML 1.1); resolveAliases applies them.
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const resources: Resource[] = [];
  // One problem for all the syntax errors of the file: the cause, and the count (yaml-syntax.ts).
  const syntax = leadSyntaxError(text, list.flatMap((doc) => doc.errors), lineCounter);
  if (syntax) problems.add("error", syntax.at, { message: syntax.message, fix: syntax.fix });
  for (const doc of list) {
    if (doc.errors.length > 0 || !doc.contents) continue;
    const aliasProblems = resolveAliases(doc);
    for (const p of aliasProblems) {
      const pos = lineCounter.linePos(p.node?.range?.[0] ?? 0);
      problems.add("error", pos, { message: `YAML: ${p.message}`, fix: p.fix });
    }
    if (aliasProblems.length > 0) continue;
    const ctx: ReadContext = { problems, lineCounter, resource: "document" };
    collect(Field.root(ctx, doc.contents as Node), resources);
  }
  return resources;
}

function collect(root: Field, out: Resource[]): void {
  const ctx = root.ctx;
  if (!root.present) return;
  if (!root.isMap()) {
    root.error("a document must be a mapping with apiVersion, kind, metadata and spec");
    return;
  }
  const apiVersion = plain(root.get("apiVersion"));
  const kind = plain(root.get("kind"));
  const name = plain(root.get("metadata").get("name"));
  const label = `${kind ?? "document"} ${name ?? "(unnamed)"}`;

  // `kubectl get -o yaml` output: a List whose items are resources.
  if (kind === "List" && isSeq(root.get("items").node)) {
    for (const item of root.get("items").items()) collect(item, out);
    return;
  }
  const [group, version] = apiVersion?.includes("/") ? apiVersion.split("/", 2) : [undefined, apiVersion];
  const isIstioKind = isIstio(group, kind);
  const isPolicy = group === POLICY_GROUP && kind === "MirrorPolicy";
  const gatewayApi = gatewayApiDocument(group, kind);
  if (group === POLICY_GROUP && !isPolicy) {
    root.error(`unknown kind "${kind}" in ${POLICY_GROUP}`, "the edge-mirror kind is MirrorPolicy");
    return;
  }
  // Access control the worker does not enforce fails closed (access-control.ts).
  const resource = new Field({ ...ctx, resource: label }, root.node, "", root.at);
  if (refuseAccessControl(resource, group, kind, plain(root.get("metadata").get("namespace")))) return;
  const typo = !isIstioKind && !isPolicy && !gatewayApi ? misspelledKind(group, kind) : undefined;
  if (typo) {
    root.ctx.problems.add("error", root.get("kind").at, {
      resource: label,
      path: "kind",
      message: `unknown kind "${kind}" in ${group ?? "the core group (apiVersion: v1)"}: did you mean "${typo}"?`,
      fix: `write kind: ${typo} (kinds are case-sensitive)`,
    });
    return;
  }
  if (!isIstioKind && !isPolicy && !gatewayApi) {
    const why = group === GATEWAY_API_GROUP ? NOT_HTTP_ROUTES[kind ?? ""] : undefined;
    root.ctx.problems.add("warning", root.at, {
      message: why
        ? `skipped ${label} (${apiVersion}): ${why}; the worker answers 404 for its hostnames unless an HTTPRoute serves them`
        : `skipped ${label} (${apiVersion ?? "no apiVersion"}): edge-mirror reads only ${ISTIO_KINDS.join(", ")} from ${ISTIO_GROUP}; ${GATEWAY_API_READS}`,
    });
    return;
  }
  const resourceCtx: ReadContext = { ...ctx, resource: `${kind} ${name ?? "(unnamed)"}` };
  const doc = new Field(resourceCtx, root.node, "", root.at);
  const versions: readonly string[] = gatewayApi?.versions ?? (isPolicy ? POLICY_VERSIONS : ISTIO_VERSIONS);
  if (!versions.includes(version ?? "")) {
    doc.get("apiVersion").error(`unsupported apiVersion "${apiVersion}"`, `use ${versions.map((v) => (group ? `${group}/${v}` : v)).join(", ")}`);
    return;
  }
  doc.checkMap(RESOURCE);
  if (!doc.get("metadata").get("name").require("give the resource a name under metadata.name")) return;
  // A Namespace is all metadata (its labels); every other kind needs a spec.
  if (gatewayApi?.kind !== "Namespace" && !isMap(doc.get("spec").node)) {
    doc.get("spec").error("is required and must be a mapping", `add a spec: for the ${kind}`);
    return;
  }
  const namespace = plain(doc.get("metadata").get("namespace"));
  out.push({ kind: (gatewayApi?.kind ?? kind) as Kind, name: name!, ...(namespace === undefined ? {} : { namespace }), root: doc, spec: doc.get("spec") });
}

/**
 * The kinds edge-mirror reads, per API group (undefined: the core group), and the
 * other kinds of those groups upstream defines, which are skipped with a warning as
 * today: a kind near a read one (edit distance 2 or less) and not itself a real kind
 * is a typo, an error with "did you mean", never a silent skip. TCPRoute is 2 edits
 * from HTTPRoute, hence the list of real ones.
 */
export const READ_KINDS = new Map<string | undefined, readonly string[]>([
  [ISTIO_GROUP, [...ISTIO_KINDS, "WorkloadEntry"]],
  [POLICY_GROUP, ["MirrorPolicy"]],
  [GATEWAY_API_GROUP, ["HTTPRoute", "Gateway", "BackendTLSPolicy"]],
  [ENVOY_GATEWAY_GROUP, ENVOY_GATEWAY_POLICIES],
  [undefined, ["Service", "Namespace"]],
]);
/** istio/api networking/v1 and gateway-api's apis/ (standard and experimental channels). */
const OTHER_REAL_KINDS = new Set([
  "Sidecar", "EnvoyFilter", "WorkloadGroup", "ProxyConfig",
  "GatewayClass", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute", "ReferenceGrant", "BackendLBPolicy", "ListenerSet", "XListenerSet", "XBackendTrafficPolicy",
  "EnvoyProxy", "EnvoyPatchPolicy", "HTTPRouteFilter", "Backend",
  "Secret", "Endpoints", "Namespace", "ServiceAccount", "ConfigMap",
]);

/** Gateway API route kinds for traffic that never reaches a Worker as an HTTP request it can forward. */
const NOT_HTTP_ROUTES: Readonly<Record<string, string>> = {
  TLSRoute: "a TLSRoute routes TLS connections by SNI, and Cloudflare terminates TLS before the worker, which receives HTTP requests (Cloudflare Spectrum proxies TLS)",
  TCPRoute: "a TCPRoute routes TCP connections, and a Worker receives HTTP requests only (Cloudflare Spectrum proxies TCP)",
  UDPRoute: "a UDPRoute routes UDP datagrams, and a Worker receives HTTP requests only (Cloudflare Spectrum proxies UDP)",
  GRPCRoute: "a GRPCRoute needs gRPC upstream (HTTP/2 with trailers), which a Worker's fetch() cannot send",
};

const isIstio = (group: string | undefined, kind: string | undefined) => group === ISTIO_GROUP && (ISTIO_KINDS as readonly string[]).includes(kind ?? "");

/** Whether a document of this group and kind is read (not skipped), as collect() decides. */
export function readsKind(group: string | undefined, kind: string): boolean {
  return isIstio(group, kind) || (group === POLICY_GROUP && kind === "MirrorPolicy") || gatewayApiDocument(group, kind) !== undefined;
}

function misspelledKind(group: string | undefined, kind: string | undefined): string | undefined {
  if (kind === undefined || OTHER_REAL_KINDS.has(kind)) return undefined;
  const read = READ_KINDS.get(group);
  if (!read) return undefined;
  const near = nearest(kind, read);
  return near !== kind ? near : undefined;
}

/** A scalar's string value without reporting (used before the kind is known). */
function plain(field: Field): string | undefined {
  const node = field.node as { value?: unknown } | null | undefined;
  return node && typeof node.value === "string" ? node.value : undefined;
}
