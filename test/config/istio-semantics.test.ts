// What the Istio fields and values the compiler newly accepts compile to (retries: {},
// backoff, redirect.prefixRewrite, simple: UNSPECIFIED, Istio's percentage precision),
// and YAML anchors, aliases and merge keys, with errors still at the right place.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { MAX_EXPANDED_NODES } from "../../src/config/yaml-aliases";

const BACKENDS = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  resolution: STATIC
  ports: [{number: 8000, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, labels: {version: v1}}
  - {address: 127.0.0.2, labels: {version: v2}}`;

const DR = (policy: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
${policy}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}`;

function vs(http: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [httpbin]
  http:
${http}
---
${BACKENDS}
---
${DR("")}`;
}

const ROUTE = "  - route: [{destination: {host: httpbin, subset: v1}}]";

function compiled(yaml: string) {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return { table: result.table, warnings: result.problems.filter((p) => p.severity === "warning").map(formatProblem) };
}
const route = (yaml: string, i = 0) => compiled(yaml).table.virtualHosts[0]!.routes[i]!;
const errors = (yaml: string) => compileRoutes(yaml).problems.filter((p) => p.severity === "error").map(formatProblem);

describe("HTTPRetry as Istio converts it (pilot route/retry ConvertPolicy)", () => {
  it("retries: {} is attempts 0: retries off, where a route without retries gets Istio's default policy", () => {
    expect(route(vs(`${ROUTE}\n    retries: {}`)).retries).toMatchObject({ source: "route", attempts: 0 });
    expect(route(vs(ROUTE)).retries).toMatchObject({ source: "istio-default", attempts: 2 });
  });

  it("backoff is the base interval of the back-off between tries", () => {
    expect(route(vs(`${ROUTE}\n    retries: {attempts: 3, retryOn: 5xx, backoff: 250ms}`)).retries).toEqual({
      source: "route",
      attempts: 3,
      on: ["5xx"],
      statusCodes: [],
      backoffMs: 250,
    });
  });

  it("envoy-ratelimited is a condition the worker observes; the ones it cannot observe are dropped with a warning", () => {
    const { table, warnings } = compiled(vs(`${ROUTE}\n    retries: {attempts: 2, retryOn: "envoy-ratelimited,reset-before-request,unavailable,409"}`));
    expect(table.virtualHosts[0]!.routes[0]!.retries).toMatchObject({ on: ["envoy-ratelimited", "retriable-status-codes"], statusCodes: [409] });
    expect(warnings).toHaveLength(2);
  });
});

describe("HTTPRedirect prefixRewrite", () => {
  it("compiles with the route's prefix match", () => {
    expect(route(vs(`  - match: [{uri: {prefix: /old}}]\n    redirect: {prefixRewrite: /new, redirectCode: 302}`)).redirect).toEqual({ status: 302, prefixRewrite: "/new" });
  });

  it("redirectCode 0 is proto3's unset: Istio's 301", () => {
    expect(route(vs(`  - redirect: {uri: /x, redirectCode: 0}`)).redirect).toEqual({ status: 301, uri: "/x" });
  });
});

describe("LoadBalancerSettings simple: UNSPECIFIED", () => {
  it("is the default (RANDOM here), and replaces the rule's choice in a subset as any setting does", () => {
    const yaml = vs(ROUTE).replace(DR(""), DR("  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}").replace("- {name: v1, labels: {version: v1}}", "- {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {simple: UNSPECIFIED}}}"));
    const { table, warnings } = compiled(yaml);
    expect(warnings).toEqual([]);
    expect(table.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.lb).toEqual({ simple: "RANDOM" });
  });
});

describe("percentages in Istio's precision (value × 10 000, truncated, in millionths)", () => {
  it("0.29 % is 2900 millionths (binary floating point gives 2899.99…)", () => {
    expect(route(vs(`${ROUTE}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercentage: {value: 0.29}`)).mirrors[0]!.perMillion).toBe(2900);
  });

  it("a finer value is truncated as Istio truncates it, with a warning that says what applies", () => {
    const { table, warnings } = compiled(vs(`${ROUTE}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercentage: {value: 12.34567}`));
    expect(table.virtualHosts[0]!.routes[0]!.mirrors[0]!.perMillion).toBe(123_456);
    expect(warnings).toEqual([
      expect.stringContaining("spec.http[0].mirrorPercentage.value: 12.34567 % is finer than Istio's precision (0.0001 %, one request in a million): it is applied as 12.3456 %"),
    ]);
  });

  it("a mirror below one in a million mirrors nothing (Istio's numerator is 0), with the warning", () => {
    const { table, warnings } = compiled(vs(`${ROUTE}\n    mirrors: [{destination: {host: httpbin, subset: v2}, percentage: {value: 0.00005}}]`));
    expect(table.virtualHosts[0]!.routes[0]!.mirrors).toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});

describe("YAML anchors, aliases and << merge keys (kubectl resolves them)", () => {
  const yaml = vs(`  - name: a
    match: [{uri: {prefix: /a}}]
    route: &to
    - destination: {host: httpbin, subset: v1}
    retries: &retries {attempts: 2, retryOn: 5xx, perTryTimeout: 1s}
  - name: b
    <<: {timeout: 3s}
    route: *to
    retries:
      <<: *retries
      attempts: 3`);

  it("an alias is the anchored value; a merge brings the keys the map does not set itself", () => {
    const { table } = compiled(yaml);
    const [a, b] = table.virtualHosts[0]!.routes;
    expect(b!.destinations).toEqual(a!.destinations);
    expect(b!.timeoutMs).toBe(3000);
    expect(b!.retries).toEqual({ source: "route", attempts: 3, on: ["5xx"], statusCodes: [], perTryTimeoutMs: 1000, backoffMs: 25 });
  });

  it("an error in a merged value is reported where the value is written, under the path that uses it", () => {
    const bad = yaml.replace("perTryTimeout: 1s", "perTryTimeout: soon");
    const lines = bad.split("\n");
    const line = lines.findIndex((l) => l.includes("perTryTimeout: soon")) + 1;
    const col = lines[line - 1]!.indexOf("soon") + 1;
    const found = errors(bad);
    expect(found).toContain(`routes.yaml:${line}:${col} error: VirtualService vs: spec.http[0].retries.perTryTimeout: "soon" is not a duration\n    fix: write it like 5s, 1.5s, 250ms or 1m`);
    expect(found).toContain(`routes.yaml:${line}:${col} error: VirtualService vs: spec.http[1].retries.perTryTimeout: "soon" is not a duration\n    fix: write it like 5s, 1.5s, 250ms or 1m`);
  });

  it("refuses an alias to no anchor, an anchor that contains its own alias, and a merge of a scalar", () => {
    expect(errors(vs(`  - route: *none`))).toEqual([expect.stringContaining("YAML: alias *none names no anchor before it")]);
    expect(errors(vs(`  - route: &loop [*loop]`))).toEqual([expect.stringContaining("YAML: alias *loop refers to a node that contains it")]);
    expect(errors(vs(`${ROUTE}\n    <<: 5`))).toEqual([expect.stringContaining("YAML: a << merge takes a mapping or a list of mappings")]);
  });

  it("refuses a document whose aliases would expand past the limit (an alias bomb), instead of walking it", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 7; i++) levels.push(`${"abcdefg"[i]}: &${"abcdefg"[i]} [${Array(10).fill(`*${"abcdefg"[i - 1]}`).join(", ")}]`);
    const bomb = `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: bomb}\nspec:\n  hosts: [httpbin]\n  http: []\nstatus:\n${levels.map((l) => `  ${l}`).join("\n")}`;
    expect(errors(bomb)).toEqual([expect.stringContaining(`YAML: aliases expand this document to more than ${MAX_EXPANDED_NODES} nodes`)]);
  });
});
