// The core v1 Service fields a backendRef or a mesh parentRef needs (kubernetes
// api core/v1 types.go): its ports, and where its workloads are — the WorkloadEntries
// its `selector` matches, or `externalName` for type ExternalName. A Service is read
// only when an HTTPRoute refers to it, so the rest of a manifest can stay in the file.
import type { Field, KeyRules } from "../field";
import type { Resource } from "../documents";
import { readLabels } from "../labels";
import { objectMeta, type ObjectMeta } from "./metadata";

export interface ServicePortSpec {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol: string;
  appProtocol?: string;
  field: Field;
}

export interface ServiceSpec extends ObjectMeta {
  type: string;
  externalName?: string;
  selector?: Record<string, string>;
  ports: ServicePortSpec[];
  field: Field;
}

const NO_CLUSTER = "there is no cluster network at the edge: requests reach the worker through Cloudflare";

export const KUBERNETES_SERVICE: KeyRules = {
  // Besides what routing reads, the fields a cluster fills in (`kubectl get -o yaml`): identity, not behaviour.
  known: ["ports", "selector", "type", "externalName", "clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy", "sessionAffinity"],
  ignored: {
    externalTrafficPolicy: NO_CLUSTER,
    externalIPs: NO_CLUSTER,
    loadBalancerIP: NO_CLUSTER,
    loadBalancerClass: NO_CLUSTER,
    loadBalancerSourceRanges: NO_CLUSTER,
    allocateLoadBalancerNodePorts: NO_CLUSTER,
    healthCheckNodePort: NO_CLUSTER,
    publishNotReadyAddresses: "WorkloadEntries have no readiness here: every selected one is an origin",
    sessionAffinityConfig: "sessions are not pinned at the edge",
    trafficDistribution: NO_CLUSTER,
  },
};

/** Service spec.ports[]. */
export const KUBERNETES_SERVICE_PORT: KeyRules = { known: ["name", "port", "targetPort", "protocol", "appProtocol", "nodePort"] };

const TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];

export function readService(doc: Resource): ServiceSpec | undefined {
  const spec = doc.spec;
  if (!spec.checkMap(KUBERNETES_SERVICE)) return undefined;
  const typeField = spec.get("type");
  const type = typeField.string() ?? "ClusterIP";
  if (!TYPES.includes(type)) typeField.error(`unknown Service type "${type}"`, `use one of ${TYPES.join(", ")}`);
  const affinity = spec.get("sessionAffinity").string();
  if (affinity !== undefined && affinity !== "None") spec.get("sessionAffinity").warn(`is ignored: sessions are not pinned at the edge (${affinity})`);
  const service: ServiceSpec = { ...objectMeta(doc), type, ports: [], field: spec };
  if (type === "ExternalName") {
    const externalName = spec.get("externalName");
    externalName.require("name the DNS name the Service stands for, e.g. externalName: v2.example.com");
    const name = externalName.string();
    if (name !== undefined) service.externalName = name;
  } else if (spec.get("externalName").present) {
    spec.get("externalName").error(`is used only by type ExternalName (this Service is ${type})`, "set type: ExternalName, or remove externalName");
  }
  if (spec.get("selector").present) service.selector = readLabels(spec.get("selector"));
  service.ports = spec.get("ports").items().flatMap((p) => {
    const port = readServicePort(p);
    return port ? [port] : [];
  });
  return service;
}

function readServicePort(p: Field): ServicePortSpec | undefined {
  if (!p.checkMap(KUBERNETES_SERVICE_PORT)) return undefined;
  p.get("port").require("add port: 80");
  const port = p.get("port").port();
  if (port === undefined) return undefined;
  const spec: ServicePortSpec = { port, protocol: p.get("protocol").string() ?? "TCP", field: p };
  const name = p.get("name").string();
  if (name !== undefined) spec.name = name;
  const target = p.get("targetPort");
  if (target.present) {
    const value = (target.node as { value?: unknown }).value;
    if (typeof value === "string") spec.targetPort = value;
    else {
      const n = target.port();
      if (n !== undefined) spec.targetPort = n;
    }
  }
  const appProtocol = p.get("appProtocol").string();
  if (appProtocol !== undefined) spec.appProtocol = appProtocol;
  return spec;
}

/**
 * The scheme an origin of this port is fetched with: `appProtocol`, else Istio's
 * port-name prefix (`https`, `https-web`), else port 443 for a port no Service
 * declares (an ExternalName's), else plain HTTP, as Gateway API backends are.
 */
export function portScheme(port: ServicePortSpec | undefined, number: number): "http" | "https" {
  if (!port) return number === 443 ? "https" : "http";
  const appProtocol = port.appProtocol?.toLowerCase();
  if (appProtocol !== undefined) return appProtocol === "https" || appProtocol === "kubernetes.io/wss" ? "https" : "http";
  const prefix = port.name?.split("-")[0]?.toLowerCase();
  return prefix === "https" ? "https" : "http";
}
