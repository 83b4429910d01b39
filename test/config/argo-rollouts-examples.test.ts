// Argo Rollouts' Istio examples (test/fixtures/argo-rollouts/, verbatim), as a user who
// brings them meets them: their VirtualServices name Kubernetes Services, whose pods
// the edge cannot reach, so the build stops at each destination saying so and what to
// add; once a ServiceEntry says where each version runs they build, the Rollout is
// skipped with a warning, and requests go where Istio sends them (weight 100 / 0).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { explainJson } from "../../src/tools/explain-json";

const DIR = "test/fixtures/argo-rollouts";
const example = (file: string) => readFileSync(`${DIR}/${file}`, "utf8");

function serviceEntry(host: string, endpoints: { port: number; labels: string }[]): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host}}
spec:
  hosts: [${host}]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
${endpoints.map((e) => `  - {address: 127.0.0.1, ports: {http: ${e.port}}, labels: ${e.labels}}`).join("\n")}`;
}

const compile = (file: string, ...entries: string[]) => compileRoutes([example(file), ...entries].join("\n---\n"), file);
const messages = (file: string, severity: "error" | "warning", ...entries: string[]) =>
  compile(file, ...entries).problems.filter((p) => p.severity === severity).map(formatProblem);

describe("argo-rollouts examples/istio/istio-subset-split.yaml", () => {
  it("alone: refused at each destination, because Service istio-subset-split is a cluster's Service; the fix names the ServiceEntry to add", () => {
    const errors = messages("istio-subset-split.yaml", "error");
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain("istio-subset-split.yaml:27:15 error: VirtualService istio-subset-split-vsvc: spec.http[0].route[0].destination.host:");
    expect(errors[0]).toContain('"istio-subset-split" is a Kubernetes Service in this file, but the edge cannot reach a cluster\'s pods');
    expect(errors[0]).toContain("fix: add a ServiceEntry with hosts: [istio-subset-split]");
  });

  it("with a ServiceEntry: builds; weight 100 to subset stable; the Rollout and the Service are skipped with warnings", () => {
    const entry = serviceEntry("istio-subset-split", [{ port: 18080, labels: "{app: istio-subset-split}" }]);
    const result = compile("istio-subset-split.yaml", entry);
    expect(result.table).toBeDefined();
    const warnings = result.problems.map(formatProblem);
    expect(warnings.some((w) => w.includes("skipped Rollout istio-subset-split (argoproj.io/v1alpha1)"))).toBe(true);
    expect(warnings.some((w) => w.includes("skipped Service istio-subset-split (v1)"))).toBe(true);
    const explained = explainJson(result.table!, "GET", "http://istio-subset-split/", []);
    expect(explained.origin).toBe("http://127.0.0.1:18080");
    expect(explained.destination).toBe("istio-subset-split/stable");
  });
});

describe("argo-rollouts examples/istio/istio-mirror.yaml", () => {
  it("alone: refused at both destinations (stable and canary Services), with the reason and the fix", () => {
    const errors = messages("istio-mirror.yaml", "error");
    expect(errors.map((e) => e.split(" error: ")[1]!.split(":")[0])).toEqual(["VirtualService istio-host-split-vsvc", "VirtualService istio-host-split-vsvc"]);
    expect(errors.join("\n")).toContain('"istio-host-split-stable" is a Kubernetes Service in this file');
    expect(errors.join("\n")).toContain('"istio-host-split-canary" is a Kubernetes Service in this file');
  });

  it("with ServiceEntries for both: builds behind its Gateway; istio-host-split.com goes to the stable Service (weight 100 / 0)", () => {
    const stable = serviceEntry("istio-host-split-stable", [{ port: 18081, labels: "{app: istio-host-split}" }]);
    const canary = serviceEntry("istio-host-split-canary", [{ port: 18082, labels: "{app: istio-host-split}" }]);
    expect(messages("istio-mirror.yaml", "error", stable, canary)).toEqual([]);
    const result = compile("istio-mirror.yaml", stable, canary);
    const explained = explainJson(result.table!, "POST", "http://istio-host-split.com/color", []);
    expect(explained.origin).toBe("http://127.0.0.1:18081");
  });
});
