// Istio's own validation cases, ported (istio/istio pkg/config/validation/validation_test.go,
// virtualservice_test.go, testdata/crds; the CEL rules of istio/api's protos): each case
// is compiled as a routes file and edge-mirror's verdict must be Istio's — or the case
// names the row of docs/reference.md that says why the edge differs, and then it must
// differ. A refusal must carry the expected error, so no case passes for another reason.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { destinationRule, serviceEntry, virtualService, type IstioCase } from "./istio-cases/case";
import { DESTINATION_RULE_CASES } from "./istio-cases/destination-rule-cases";
import { HTTP_ROUTE_CASES } from "./istio-cases/http-route-cases";
import { ROUTE_POLICY_CASES } from "./istio-cases/route-policy-cases";
import { SERVICE_ENTRY_CASES } from "./istio-cases/service-entry-cases";
import { VIRTUAL_SERVICE_CASES } from "./istio-cases/virtual-service-cases";

/** What the cases' destinations resolve through: Istio validates each resource alone, edge-mirror resolves them. */
const BACKENDS = [
  serviceEntry("hosts: [foo.bar]\nresolution: DNS\nports: [{number: 5000, name: http, protocol: HTTP}]\nendpoints: [{address: a.example.com, labels: {version: v1}}]", "fixture-foo-bar"),
  serviceEntry("hosts: [foo.baz, foo.baz.south, foo.baz.east, foo.biz]\nresolution: DNS\nports: [{number: 80, name: http, protocol: HTTP}]\nendpoints: [{address: b.example.com}]", "fixture-foo-baz"),
  destinationRule("host: foo.bar\nsubsets: [{name: shiny, labels: {version: v1}}]", "fixture-foo-bar"),
].join("\n---\n");
/** A routes file needs a VirtualService; cases of the other kinds get this one. */
const FIXTURE_VS = virtualService("hosts: [fixture.test]\nhttp:\n- route: [{destination: {host: foo.baz}}]", "fixture");

const REFERENCE = readFileSync("docs/reference.md", "utf8").split("\n");

const CASES: [string, IstioCase[]][] = [
  ["VirtualService", VIRTUAL_SERVICE_CASES],
  ["HTTPRoute", HTTP_ROUTE_CASES],
  ["HTTPRoute policies", ROUTE_POLICY_CASES],
  ["DestinationRule", DESTINATION_RULE_CASES],
  ["ServiceEntry", SERVICE_ENTRY_CASES],
];

function compileCase(yaml: string) {
  const documents = [yaml, BACKENDS];
  if (!/^kind: VirtualService$/m.test(yaml)) documents.push(FIXTURE_VS);
  const { problems } = compileRoutes(documents.join("\n---\n"), "case.yaml");
  return problems.filter((p) => p.severity === "error").map(formatProblem);
}

describe("the fixture compiles on its own", () => {
  it("backends and the fixture VirtualService", () => {
    expect(compileCase("")).toEqual([]);
  });
});

describe.each(CASES)("Istio's %s validation cases", (_, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const errors = compileCase(c.yaml);
    const ours = errors.length === 0 ? "valid" : "invalid";
    const expected = c.edge === undefined ? c.istio : c.istio === "valid" ? "invalid" : "valid";
    expect({ verdict: ours, errors }).toMatchObject({ verdict: expected });
    if (ours === "invalid") {
      expect(c.error, "a refused case names the error it expects").toBeDefined();
      expect(errors.join("\n")).toContain(c.error);
    } else {
      expect(c.error, "an accepted case expects no error").toBeUndefined();
    }
    if (c.edge !== undefined) expect(REFERENCE.some((line) => line.startsWith(`| ${c.edge} `)), `docs/reference.md row ${c.edge}`).toBe(true);
  });
});

describe("the port", () => {
  it("has a hundred cases or more, names unique", () => {
    const names = CASES.flatMap(([, cases]) => cases.map((c) => c.name));
    expect(names.length).toBeGreaterThanOrEqual(100);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
