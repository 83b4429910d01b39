// Istio's WorkloadEntry as a resource of its own (istio/api networking/v1
// workload_entry.proto): where one workload runs. A Kubernetes Service selects
// WorkloadEntries by label, as it selects pods (Istio does the same), so a Service
// of a manifest resolves to origins at the edge through them.
import type { Field } from "../field";
import type { Resource } from "../documents";
import { readLabels } from "../labels";
import { WORKLOAD_ENTRY } from "../service-entry";
import { objectMeta, type ObjectMeta } from "./metadata";

export interface WorkloadEntrySpec extends ObjectMeta {
  address: string;
  /** Service port name → the port this workload listens on */
  ports: Record<string, number>;
  labels: Record<string, string>;
  field: Field;
}

export function readWorkloadEntry(doc: Resource): WorkloadEntrySpec | undefined {
  const spec = doc.spec;
  // The same fields as a ServiceEntry's endpoints: both are Istio's WorkloadEntry message.
  if (!spec.checkMap(WORKLOAD_ENTRY)) return undefined;
  const addressField = spec.get("address");
  addressField.require("add address: <host name or IP of the origin>");
  const address = addressField.string();
  if (address === undefined) return undefined;
  if (address.startsWith("unix://")) {
    addressField.error("a Worker cannot reach unix domain sockets", "use a host name or IP address");
    return undefined;
  }
  if (!/^[A-Za-z0-9.\-:[\]]+$/.test(address)) {
    addressField.error(`"${address}" is not a host name or IP address`, "write only the host, without scheme, port or path");
    return undefined;
  }
  const ports: Record<string, number> = {};
  for (const [name, value] of spec.get("ports").entries()) {
    const n = value.port();
    if (n !== undefined) ports[name] = n;
  }
  return { ...objectMeta(doc), address, ports, labels: readLabels(spec.get("labels")), field: spec };
}
