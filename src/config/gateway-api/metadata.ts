// Kubernetes object identity for the Gateway API dialect: unlike Istio's kinds here,
// HTTPRoutes, Services and Gateways refer to each other within a namespace, and the
// route precedence ties are broken by age and `namespace/name`.
import type { Resource } from "../documents";

export const DEFAULT_NAMESPACE = "default";

export interface ObjectMeta {
  namespace: string;
  name: string;
  /** `name` in the default namespace, else `namespace/name`: how logs and messages show it */
  id: string;
  /** metadata.creationTimestamp in ms; absent = younger than any resource that has one */
  created?: number;
}

export function objectMeta(doc: Resource): ObjectMeta {
  const metadata = doc.root.get("metadata");
  const namespaceField = metadata.get("namespace");
  const namespace = (namespaceField.present ? namespaceField.string() : undefined) ?? DEFAULT_NAMESPACE;
  const meta: ObjectMeta = { namespace, name: doc.name, id: objectId(namespace, doc.name) };
  const created = metadata.get("creationTimestamp");
  if (created.present) {
    const text = created.string();
    const ms = text === undefined ? NaN : Date.parse(text);
    if (!Number.isNaN(ms)) meta.created = ms;
    else if (text !== undefined) created.error(`"${text}" is not an RFC 3339 time`, "write it like 2026-01-31T12:00:00Z, or leave it out");
  }
  return meta;
}

export function objectId(namespace: string, name: string): string {
  return namespace === DEFAULT_NAMESPACE ? name : `${namespace}/${name}`;
}
