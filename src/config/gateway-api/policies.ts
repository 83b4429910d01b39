// MirrorPolicies that target HTTPRoutes (`targetRef: {kind: HTTPRoute, name, rule?}`):
// which rules each one shapes. As for VirtualServices, a policy naming a rule beats
// one for the whole route; two at the same level are an error.
import type { MirrorPolicySpec } from "../mirror-policy";
import type { ShadowSettings } from "../../routing/table";
import type { HttpRouteSpec, RuleSpec } from "./http-route";

export function httpRoutePolicies(policies: MirrorPolicySpec[], routes: HttpRouteSpec[]): Map<RuleSpec, ShadowSettings> {
  const out = new Map<RuleSpec, ShadowSettings>();
  const claimed = new Map<string, MirrorPolicySpec>();
  // Route-wide policies first, so a rule's own policy replaces theirs.
  const ordered = policies.filter((p) => p.httpRoute).sort((a, b) => Number(a.httpRoute!.rule !== undefined) - Number(b.httpRoute!.rule !== undefined));
  for (const policy of ordered) {
    const target = policy.httpRoute!;
    const targetField = policy.field.get("targetRef");
    const named = routes.filter((r) => r.name === target.name);
    if (named.length === 0) {
      targetField.get("name").error(
        `no HTTPRoute named "${target.name}" (defined: ${routes.map((r) => r.id).join(", ") || "none"})`,
        "name an HTTPRoute of this file",
      );
      continue;
    }
    if (named.length > 1) {
      targetField.get("name").error(`several HTTPRoutes are named "${target.name}" (in namespaces ${named.map((r) => r.namespace).join(", ")})`, "give the targeted HTTPRoute a name of its own");
      continue;
    }
    const route = named[0]!;
    const rules = target.rule === undefined ? route.rules : route.rules.filter((r) => r.name === target.rule);
    if (rules.length === 0) {
      targetField.get("rule").error(
        `HTTPRoute ${route.id} has no rule named "${target.rule}" (named: ${route.rules.flatMap((r) => (r.name ? [r.name] : [])).join(", ") || "none"})`,
        "give the rule a name: in the HTTPRoute, or leave rule out to cover every rule",
      );
      continue;
    }
    for (const rule of rules) {
      const key = `${route.namespace}/${route.name}/${rule.index}/${target.rule === undefined ? "*" : "rule"}`;
      const other = claimed.get(key);
      if (other) {
        targetField.error(`targets the same rules as MirrorPolicy ${other.name}`, "merge the two policies");
        break;
      }
      claimed.set(key, policy);
      out.set(rule, policy.settings);
    }
    if (policy.settings.compare && rules.every((r) => r.filters.mirrors.length === 0))
      policy.field.get("compare").warn("has no effect: no targeted rule has a RequestMirror filter, so there is no v2 answer to compare", "add a RequestMirror to the rule, or remove compare");
  }
  return out;
}
