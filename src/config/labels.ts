// Kubernetes-style labels (`{version: v1}`), as DestinationRule subsets select
// them and ServiceEntry endpoints carry them.
import type { Field } from "./field";

export function readLabels(f: Field): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of f.entries()) {
    const v = value.node && "value" in value.node ? value.node.value : undefined;
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") labels[key] = String(v);
    else value.error("a label value must be a string");
  }
  return labels;
}
