// MirrorPolicy `compare` (issue 11): validated like every other field (position,
// field path, fix), every default filled in at build time.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { defaultCompareSettings } from "../../src/config/defaults";
import { HTTPBIN_BACKENDS } from "../support/httpbin-backends";


const MIRRORED = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.test]
  http:
  - name: users
    route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
  - name: plain
    route: [{destination: {host: httpbin, subset: v1}}]
---
${HTTPBIN_BACKENDS}`;

/** routes.yaml with a MirrorPolicy whose spec has `compare` as written (indented under spec). */
function withCompare(compare: string, targetRef = "{virtualService: api, route: users}"): string {
  return `${MIRRORED}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: ${targetRef}
${compare}`;
}

function problems(yaml: string, severity: "error" | "warning" = "error"): string[] {
  return compileRoutes(yaml, "routes.yaml").problems.filter((p) => p.severity === severity).map(formatProblem);
}

function routes(yaml: string) {
  const { table, problems: found } = compileRoutes(yaml, "routes.yaml");
  expect(found.filter((p) => p.severity === "error").map(formatProblem)).toEqual([]);
  return table!.virtualHosts[0]!.routes;
}

describe("MirrorPolicy compare: what it compiles to", () => {
  it("compare: {} turns comparison on with every default filled in", () => {
    const [users, plain] = routes(withCompare("  compare: {}"));
    expect(users!.shadow.compare).toEqual({
      perMillion: 1_000_000,
      noisePerMillion: 100_000,
      headers: ["content-type"],
      ignore: [],
      redact: [],
      maxBodyBytes: 262_144,
      gate: { maxDivergencePercent: 1, minCompared: 200 },
    });
    expect(users!.shadow.compare).toEqual(defaultCompareSettings());
    // Only the targeted route; and without a policy, comparison is off (Istio's behaviour).
    expect(plain!.shadow.compare).toBeUndefined();
  });

  it("compiles every field: percentages as millionths, header names and header paths lowercased", () => {
    const [users] = routes(
      withCompare(`  compare:
    percent: 12.5
    noisePercent: 0
    headers: [Content-Type, X-Api-Version]
    ignore: [/body/meta/servedAt, /headers/Date, /body/items/*/price]
    redact: [/body/session/token, /headers/X-Secret]
    maxBodyBytes: 1024
    gate: {maxDivergencePercent: 0.5, minCompared: 1000}`),
    );
    expect(users!.shadow.compare).toEqual({
      perMillion: 125_000,
      noisePerMillion: 0,
      headers: ["content-type", "x-api-version"],
      ignore: ["/body/meta/servedAt", "/headers/date", "/body/items/*/price"],
      redact: ["/body/session/token", "/headers/x-secret"],
      maxBodyBytes: 1024,
      gate: { maxDivergencePercent: 0.5, minCompared: 1000 },
    });
  });

  it("truncates percentages finer than one in a million, with a warning, as every percentage (routing/per-million.ts)", () => {
    const yaml = withCompare("  compare: {percent: 66.66666666, noisePercent: 0.00005}");
    expect(routes(yaml)[0]!.shadow.compare).toMatchObject({ perMillion: 666_666, noisePerMillion: 0 });
    expect(problems(yaml, "warning")).toEqual([
      expect.stringContaining("compare.percent: 66.66666666 % is finer than Istio's precision (0.0001 %, one request in a million): it is applied as 66.6666 %"),
      expect.stringContaining("compare.noisePercent: 0.00005 % is finer than Istio's precision (0.0001 %, one request in a million): it is applied as 0 %"),
    ]);
  });

  it("a gate with one field keeps the other's default", () => {
    const [users] = routes(withCompare("  compare:\n    gate: {minCompared: 50}"));
    expect(users!.shadow.compare!.gate).toEqual({ maxDivergencePercent: 1, minCompared: 50 });
  });

  it("gate.maxLatencyShiftMs: the latency shift limit, in ms (absent: not judged)", () => {
    const [users] = routes(withCompare("  compare:\n    gate: {maxLatencyShiftMs: 20}"));
    expect(users!.shadow.compare!.gate).toEqual({ maxDivergencePercent: 1, minCompared: 200, maxLatencyShiftMs: 20 });
    expect(routes(withCompare("  compare:\n    gate: {maxLatencyShiftMs: 0.5}"))[0]!.shadow.compare!.gate.maxLatencyShiftMs).toBe(0.5);
  });

  it("sits beside the other MirrorPolicy settings", () => {
    const [users] = routes(withCompare("  methods: [GET]\n  compare: {percent: 50}"));
    expect(users!.shadow).toMatchObject({ methods: ["GET"], compare: { perMillion: 500_000 } });
  });
});

describe("MirrorPolicy compare: errors name the file, line, column, field path and fix", () => {
  it.each([
    ["percent above 100", "  compare: {percent: 101}", "routes.yaml:38:22 error: MirrorPolicy p: spec.compare.percent: must be a percentage from 0 to 100, found 101"],
    ["negative noisePercent", "  compare: {noisePercent: -1}", "routes.yaml:38:27 error: MirrorPolicy p: spec.compare.noisePercent: must be a percentage from 0 to 100, found -1"],
    ["percent as text", '  compare: {percent: "all"}', "routes.yaml:38:22 error: MirrorPolicy p: spec.compare.percent: must be a number, found string \"all\""],
    [
      "maxBodyBytes over 1 MiB",
      "  compare: {maxBodyBytes: 2097152}",
      "routes.yaml:38:27 error: MirrorPolicy p: spec.compare.maxBodyBytes: must be a whole number of bytes from 0 to 1048576 (1 MiB), found 2097152",
    ],
    [
      "a typo",
      "  compare: {noisePercen: 5}",
      'routes.yaml:38:13 error: MirrorPolicy p: spec.compare.noisePercen: unknown field "noisePercen"\n    fix: did you mean "noisePercent"?',
    ],
    [
      "a typo in gate",
      "  compare:\n    gate: {minCompare: 5}",
      'routes.yaml:39:12 error: MirrorPolicy p: spec.compare.gate.minCompare: unknown field "minCompare"\n    fix: did you mean "minCompared"?',
    ],
    [
      "a gate limit above 100 %",
      "  compare:\n    gate: {maxDivergencePercent: 150}",
      "routes.yaml:39:34 error: MirrorPolicy p: spec.compare.gate.maxDivergencePercent: must be a percentage from 0 to 100, found 150",
    ],
    [
      "a negative latency shift limit",
      "  compare:\n    gate: {maxLatencyShiftMs: -5}",
      "routes.yaml:39:31 error: MirrorPolicy p: spec.compare.gate.maxLatencyShiftMs: must be a number of ms from 0 to 600000, found -5\n    fix: the largest slowdown of v2 against v1 the rollout tolerates, e.g. 20",
    ],
    ["minCompared not whole", "  compare:\n    gate: {minCompared: 2.5}", "routes.yaml:39:25 error: MirrorPolicy p: spec.compare.gate.minCompared: must be a whole number ≥ 0, found 2.5"],
    [
      "a header that is not a name",
      "  compare:\n    headers: [content-type, 'x-a: b']",
      'routes.yaml:39:29 error: MirrorPolicy p: spec.compare.headers[1]: "x-a: b" is not a header name\n    fix: write the name only, e.g. content-type',
    ],
    [
      "an ignore path without its leading /",
      "  compare:\n    ignore: [body/meta]",
      'routes.yaml:39:14 error: MirrorPolicy p: spec.compare.ignore[0]: "body/meta" is not a field path\n' +
        "    fix: write a path as the report shows it: /status, /headers/date, /body/meta/servedAt, /body/items/*/price",
    ],
    ["a path outside status, headers and body", "  compare:\n    redact: [/cookies/session]", 'spec.compare.redact[0]: "/cookies/session" is not a field path'],
    ["a path below /status", "  compare:\n    ignore: [/status/code]", 'spec.compare.ignore[0]: "/status/code" is not a field path'],
    ["an empty segment", "  compare:\n    ignore: [/body//x]", 'spec.compare.ignore[0]: "/body//x" is not a field path'],
    ["compare: true", "  compare: true", "routes.yaml:38:12 error: MirrorPolicy p: spec.compare: must be a mapping, found boolean true"],
  ])("%s", (_, compare, expected) => {
    expect(problems(withCompare(compare)).join("\n")).toContain(expected);
  });

  it("reports every error of the block in one run", () => {
    const found = problems(withCompare("  compare:\n    percent: 200\n    noisePercent: 300\n    ignore: [x]\n    gate: {minCompared: -1}"));
    expect(found.map((p) => /spec\.compare[^:]*/.exec(p)?.[0])).toEqual([
      "spec.compare.percent",
      "spec.compare.noisePercent",
      "spec.compare.ignore[0]",
      "spec.compare.gate.minCompared",
    ]);
  });

  it("warns when no targeted route has a mirror: there is nothing to compare", () => {
    expect(problems(withCompare("  compare: {}", "{virtualService: api, route: plain}"), "warning")).toEqual([
      "routes.yaml:38:12 warning: MirrorPolicy p: spec.compare: has no effect: no targeted route has a mirror, so there is no v2 answer to compare\n" +
        "    fix: add a mirror to the route, or remove compare",
    ]);
    expect(problems(withCompare("  compare: {}", "{virtualService: api}"), "warning")).toEqual([]);
  });
});
