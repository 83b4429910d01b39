// Istio's WorkloadEntry as a resource of its own (istio/api networking/v1
// workload_entry.proto): where one workload runs. A Kubernetes Service selects
// WorkloadEntries by label, as it selects pods (Istio does the same), so a Service
// of a manifest resolves to origins at the edge through them.
import type { Field } from "../field";
import type { Resource } from "../documents";
import { readEndpoint } from "../istio/service-entry";
import { objectMeta, type ObjectMeta } from "./metadata";

export interface WorkloadEntrySpec extends ObjectMeta {
  address: string;
  /** Service port name → the port this workload listens on */
  ports: Record<string, number>;
  labels: Record<string, string>;
  field: Field;
}

export function readWorkloadEntry(doc: Resource): WorkloadEntrySpec | undefined {
  // The same fields as a ServiceEntry's endpoints: both are Istio's WorkloadEntry message.
  const endpoint = readEndpoint(doc.spec, undefined);
  return endpoint && { ...objectMeta(doc), ...endpoint };
}
