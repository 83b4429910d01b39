// A MirrorPolicy's targetRef in Gateway API's policy-attachment form:
// `{kind: HTTPRoute, name, rule?}`, where `rule` is a rule's `name`
// (Gateway API's sectionName convention). The Istio form `{virtualService, route?}`
// is read by mirror-policy.ts; one targetRef uses one form.
import type { Field } from "../field";

export interface HttpRouteTarget {
  name: string;
  /** a rules[].name; absent = every rule of the route */
  rule?: string;
}

const GATEWAY_KEYS = ["kind", "name", "rule"];

/** The HTTPRoute target, `null` when the targetRef uses the Istio form, undefined when it is broken. */
export function readHttpRouteTarget(target: Field): HttpRouteTarget | null | undefined {
  const used = GATEWAY_KEYS.filter((k) => target.get(k).present);
  if (used.length === 0) return null;
  for (const istio of ["virtualService", "route"]) {
    const f = target.get(istio);
    if (f.present) f.error("cannot be combined with kind/name: a targetRef names a VirtualService or an HTTPRoute", "keep one form", f.keyAt);
  }
  const kindField = target.get("kind");
  kindField.require("add kind: HTTPRoute");
  const kind = kindField.string();
  if (kind !== undefined && kind !== "HTTPRoute") {
    kindField.error(`a MirrorPolicy targets a VirtualService or an HTTPRoute, not a ${kind}`, "use kind: HTTPRoute, or targetRef: {virtualService: <name>}");
    return undefined;
  }
  target.get("name").require("name the HTTPRoute whose mirrors this policy shapes");
  const name = target.get("name").string();
  if (kind === undefined || name === undefined) return undefined;
  const out: HttpRouteTarget = { name };
  const rule = target.get("rule").string();
  if (rule !== undefined) out.rule = rule;
  return out;
}
