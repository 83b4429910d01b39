// `npm run explain` says whether a request would be compared (MirrorPolicy compare),
// from the same decision step the worker runs: in lines and in --json.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { explainRequest } from "../../src/tools/explain";
import { explainJson } from "../../src/tools/explain-json";
import type { RouteTable } from "../../src/routing/table";
import { HTTPBIN_BACKENDS } from "../support/httpbin-backends";

const YAML = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.test]
  http:
  - name: users
    route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
    mirrorPercentage: {value: 50}
---
${HTTPBIN_BACKENDS}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: {virtualService: api}
  bodyCapBytes: 100
  compare:
    percent: 20
    noisePercent: 10
    ignore: [/headers/date]
    redact: [/body/token]`;

function table(): RouteTable {
  const result = compileRoutes(YAML);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

describe("explain: comparison", () => {
  const t = table();

  it("a GET drawn under both thresholds is compared and gets the noise call", () => {
    const lines = explainRequest(t, "GET", "http://api.test/users/7", [], { random: 0.05 });
    expect(lines).toContain(
      "compare: 20 % of mirrored requests: v1's answer with each mirror's (status, headers content-type, bodies up to 262144 bytes field by field), after the client has v1's answer",
    );
    expect(lines).toContain("  this request: compared");
    expect(lines).toContain("  noise: a second call to v1 (x-edge-mirror-noise: 1) for 10 % of compared GET/HEAD requests: this one gets it");
    expect(lines).toContain("  never reported: /headers/date");
    expect(lines).toContain("  redacted before anything is stored: /headers/authorization, /headers/cookie, /headers/set-cookie, /body/token");
    expect(explainJson(t, "GET", "http://api.test/users/7", [], { random: 0.05 }).compare).toEqual({ compared: true, noise: true, percent: 20, noisePercent: 10 });
  });

  it("mirrored but drawn above the compare percentage: not compared", () => {
    const lines = explainRequest(t, "GET", "http://api.test/users/7", [], { random: 0.3 });
    expect(lines).toContain("  this request: not compared (not drawn)");
    expect(explainJson(t, "GET", "http://api.test/users/7", [], { random: 0.3 }).compare).toEqual({ compared: false, noise: false, percent: 20, noisePercent: 10 });
  });

  it("not mirrored: nothing to compare", () => {
    expect(explainRequest(t, "GET", "http://api.test/", [], { random: 0.7 })).toContain("  this request: not compared (nothing is mirrored)");
    expect(explainRequest(t, "GET", "http://api.test/", [], { random: 0.05, mirrorPercentCap: 0 })).toContain("  this request: not compared (nothing is mirrored)");
  });

  it("a POST is compared without a noise call (safe methods only)", () => {
    const json = explainJson(t, "POST", "http://api.test/users", [["content-length", "10"]], { random: 0.05 });
    expect(json.compare).toMatchObject({ compared: true, noise: false });
    expect(explainRequest(t, "POST", "http://api.test/users", [["content-length", "10"]], { random: 0.05 })).toContain(
      "  noise: a second call to v1 (x-edge-mirror-noise: 1) for 10 % of compared GET/HEAD requests: not this one",
    );
  });

  it("a body over the mirror's cap is not copied, so not compared", () => {
    expect(explainRequest(t, "POST", "http://api.test/users", [["content-length", "1000"]], { random: 0.05 })).toContain(
      "  this request: not compared (the body is not copied: over the cap)",
    );
  });

  it("a route without compare says nothing about it, and --json has compare: null", () => {
    const plain = compileRoutes(YAML.slice(0, YAML.indexOf("---\napiVersion: edge-mirror.dev"))).table!;
    expect(explainRequest(plain, "GET", "http://api.test/", []).some((l) => l.startsWith("compare"))).toBe(false);
    expect(explainJson(plain, "GET", "http://api.test/", []).compare).toBeNull();
  });
});

describe("explain: MirrorPolicy capture (issue 20), from the same plan the worker runs", () => {
  const CAPTURED = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.test]
  http:
  - name: users
    route: [{destination: {host: httpbin, subset: v1}}]
---
${HTTPBIN_BACKENDS}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: {virtualService: api}
  capture: {percent: 1, redact: [/body/password]}`;
  const t = compileRoutes(CAPTURED).table!;

  it("says what is captured and whether this request is: a draw below 10 000 per million is, a route without a mirror included", () => {
    const captured = explainRequest(t, "GET", "http://api.test/users/7", [], { random: 0.005 });
    expect(captured).toContain(
      "capture: 1 % of the route's requests recorded to R2 (CAPTURES) with v1's answer, bodies up to 65536 bytes, kept 7 day(s); authorization, proxy-authorization, cookie, set-cookie, /body/password redacted",
    );
    expect(captured).toContain("  this request: captured");
    expect(explainRequest(t, "GET", "http://api.test/users/7", [], { random: 0.5 })).toContain("  this request: not captured (not drawn)");
  });
});
