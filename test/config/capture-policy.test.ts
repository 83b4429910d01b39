// MirrorPolicy `capture` (issue 20): validated like compare (position, field path,
// fix), every default filled in at build time; a route need not mirror to capture.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { defaultCaptureSettings } from "../../src/config/capture-policy";
import { HTTPBIN_BACKENDS } from "../support/httpbin-backends";

const ROUTES = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.test]
  http:
  - name: users
    route: [{destination: {host: httpbin, subset: v1}}]
  - name: plain
    route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
---
${HTTPBIN_BACKENDS}`;

function withCapture(capture: string, targetRef = "{virtualService: api, route: users}"): string {
  return `${ROUTES}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: ${targetRef}
${capture}`;
}

function compiled(yaml: string) {
  const { table, problems } = compileRoutes(yaml, "routes.yaml");
  return { routes: table?.virtualHosts[0]!.routes, errors: problems.filter((p) => p.severity === "error").map(formatProblem), warnings: problems.filter((p) => p.severity === "warning").map(formatProblem) };
}

describe("MirrorPolicy capture: what it compiles to", () => {
  it("capture: {} turns capture on with the issue's defaults (1 %, 64 KiB, no paths, 7 days), on a route without a mirror, without a warning", () => {
    const { routes, errors, warnings } = compiled(withCapture("  capture: {}"));
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(routes![0]!.shadow.capture).toEqual({ perMillion: 10_000, maxBodyBytes: 65_536, redact: [], ttlDays: 7 });
    expect(routes![0]!.shadow.capture).toEqual(defaultCaptureSettings());
    expect(routes![0]!.mirrors).toEqual([]);
    expect(routes![1]!.shadow.capture).toBeUndefined();
  });

  it("every field as written: percent in millionths, redact paths normalised as compare's", () => {
    const { routes, errors } = compiled(withCapture("  capture: {percent: 0.5, maxBodyBytes: 1024, redact: [/body/password, /headers/X-Api-Key], ttlDays: 30}"));
    expect(errors).toEqual([]);
    expect(routes![0]!.shadow.capture).toEqual({ perMillion: 5_000, maxBodyBytes: 1024, redact: ["/body/password", "/headers/x-api-key"], ttlDays: 30 });
  });

  it("sits beside compare and the other settings", () => {
    const { routes, errors } = compiled(withCapture("  methods: [GET]\n  compare: {}\n  capture: {percent: 100}", "{virtualService: api, route: plain}"));
    expect(errors).toEqual([]);
    expect(routes![1]!.shadow).toMatchObject({ methods: ["GET"], compare: { perMillion: 1_000_000 }, capture: { perMillion: 1_000_000 } });
  });
});

describe("MirrorPolicy capture: errors name the file, line, column, field path and fix", () => {
  it.each([
    ["percent above 100", "  capture: {percent: 101}", "spec.capture.percent: must be a percentage from 0 to 100, found 101"],
    ["maxBodyBytes above 1 MiB", "  capture: {maxBodyBytes: 2000000}", "spec.capture.maxBodyBytes: must be a whole number of bytes from 0 to 1048576 (1 MiB), found 2000000"],
    ["ttlDays 0", "  capture: {ttlDays: 0}", "spec.capture.ttlDays: must be at least 1 day"],
    ["ttlDays above a year", "  capture: {ttlDays: 400}", "spec.capture.ttlDays: must be a whole number of days from 0 to 365, found 400"],
    ["a redact path outside /status, /headers, /body", "  capture: {redact: [/password]}", 'spec.capture.redact[0]: "/password" is not a field path'],
    ["an unknown key", "  capture: {sample: 5}", "spec.capture"],
  ])("%s", (_name, capture, expected) => {
    const { errors } = compiled(withCapture(capture));
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(/^routes\.yaml:\d+:\d+ error: MirrorPolicy p: /);
    expect(errors[0]).toContain(expected);
  });
});
