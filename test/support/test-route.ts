// A route built by hand for unit tests, with the defaults the compiler fills in
// (src/config/defaults.ts), so tests state only what they are about.
import { defaultShadowSettings, istioDefaultRetries } from "../../src/config/defaults";
import type { Route } from "../../src/routing/table";

export function testRoute(name: string, over: Partial<Route> = {}): Route {
  const slash = name.indexOf("/");
  const identity = slash < 0 ? { virtualService: name, route: "" } : { virtualService: name.slice(0, slash), route: name.slice(slash + 1) };
  return { name, identity, match: [], destinations: [], totalWeight: 0, mirrors: [], retries: istioDefaultRetries(), shadow: defaultShadowSettings(), ...over };
}
