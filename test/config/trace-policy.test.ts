// MirrorPolicy `trace: {percent}` (issue 21 item 4): compiled into the shadow settings in
// millionths, with the one truncation rule of routing/per-million.ts; off when absent.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { HTTPBIN_BACKENDS } from "../support/httpbin-backends";

function compiled(trace: string | undefined) {
  const policy =
    trace === undefined
      ? ""
      : `---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: {virtualService: api}
  ${trace}`;
  const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.test]
  http:
  - route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
---
${HTTPBIN_BACKENDS}
${policy}`;
  const { table, problems } = compileRoutes(yaml, "routes.yaml");
  return {
    shadow: table?.virtualHosts[0]!.routes[0]!.shadow,
    errors: problems.filter((p) => p.severity === "error").map(formatProblem),
    warnings: problems.filter((p) => p.severity === "warning").map(formatProblem),
  };
}

describe("MirrorPolicy trace", () => {
  it("absent: off (no trace settings in the table)", () => {
    expect(compiled(undefined).shadow!.trace).toBeUndefined();
    expect(compiled("hostSuffix: true").shadow!.trace).toBeUndefined();
  });

  it.each([
    [0, 0],
    [100, 1_000_000],
    [12.5, 125_000],
    [0.29, 2_900],
  ])("percent %s → %s per million", (percent, perMillion) => {
    const { shadow, errors } = compiled(`trace: {percent: ${percent}}`);
    expect(errors).toEqual([]);
    expect(shadow!.trace).toEqual({ perMillion });
  });

  it("finer than 0.0001 %: truncated with a warning, as every percentage", () => {
    const { shadow, warnings } = compiled("trace: {percent: 0.00005}");
    expect(shadow!.trace).toEqual({ perMillion: 0 });
    expect(warnings.join("\n")).toMatch(/finer than Istio's precision/);
  });

  it.each([
    ["trace: {}", /percent.*is required/],
    ["trace: {percent: 101}", /must be a percentage from 0 to 100/],
    ["trace: {percent: fifty}", /percent/],
    ["trace: {percnt: 5}", /percnt/],
    ["trace: 5", /must be a mapping/],
  ])("%s is refused", (trace, message) => {
    const { errors } = compiled(trace);
    expect(errors.join("\n")).toMatch(message);
  });
});
