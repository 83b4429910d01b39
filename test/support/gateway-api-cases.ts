// The Gateway API conformance ports' route tables: routes.gateway-api.yaml's base
// (Gateway, Services, WorkloadEntries) compiled with each `# case: <ShortName>`
// section alone, as conformance applies each test's manifests on their own. Used by
// global-setup.ts (tables) and the schema test (documents).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { compileOrThrow } from "../../src/config/compile";
import type { RouteTable } from "../../src/routing/table";

export const GATEWAY_API_ROUTES = fileURLToPath(new URL("./routes.gateway-api.yaml", import.meta.url));

/** `PORT_<ORIGIN NAME>` (upper case) → that origin's port. */
export function withPorts(template: string, ports: Record<string, number>): string {
  return template.replace(/PORT_([A-Z0-9-]+)/g, (_, name: string) => {
    const port = ports[name];
    if (port === undefined) throw new Error(`routes.gateway-api.yaml: no origin for PORT_${name}`);
    return String(port);
  });
}

/** Case ShortName → the routes file text of the base and that case. */
export function conformanceCases(text: string): Record<string, string> {
  const [base, ...sections] = text.split(/^# case: (\S+)\n/m);
  const cases: Record<string, string> = {};
  for (let i = 0; i < sections.length; i += 2) cases[sections[i]!] = base + sections[i + 1]!;
  return cases;
}

export function conformanceTables(ports: Record<string, number>): Record<string, RouteTable> {
  const cases = conformanceCases(withPorts(readFileSync(GATEWAY_API_ROUTES, "utf8"), ports));
  return Object.fromEntries(Object.entries(cases).map(([name, yaml]) => [name, compileOrThrow(yaml, `routes.gateway-api.yaml (${name})`)]));
}
