// Several DestinationRules for one host in one namespace, as Istio merges them
// (istio/istio pilot/pkg/model/destination_rule.go mergeDestinationRule): subsets of
// unique names are concatenated, the first top-level trafficPolicy and exportTo are
// kept. "First" is creation order (push_context.go sortConfigByCreationTime), which a
// file does not carry, so whatever the merge would settle by it is refused with that
// reason; the rest merges whatever the order. setDestinationRules merges a private
// rule (exportTo ".") into the namespace's own index only, so another namespace sees
// only the exported rules.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { explainJson } from "../../src/tools/explain-json";
import type { RouteTable } from "../../src/routing/table";

const service = (namespace: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: ${namespace}}
spec:
  hosts: [reviews]
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: 19091}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: 19092}, labels: {version: v2}}
  - {address: 127.0.0.1, ports: {http: 19093}, labels: {version: v3}}`;

const rule = (name: string, namespace: string, body: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  host: reviews${body}`;

const route = (namespace: string, subset: string, host = "reviews", destination = "reviews") => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-${subset}, namespace: ${namespace}}
spec:
  hosts: [${host}]
  http:
  - route: [{destination: {host: ${destination}, subset: ${subset}}}]`;

const compile = (...docs: string[]) => compileRoutes(docs.join("\n---\n"), "merge.yaml");
const errors = (...docs: string[]) => compile(...docs).problems.filter((p) => p.severity === "error").map(formatProblem);
function table(...docs: string[]): RouteTable {
  const result = compile(...docs);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}
const originOf = (t: RouteTable, host: string) => explainJson(t, "GET", `http://${host}/reviews/0`, []).origin;

const SUBSETS_V1_V2 = `
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}`;
const SUBSET_V3 = `
  subsets:
  - {name: v3, labels: {version: v3}}`;
const RANDOM = `
  trafficPolicy: {loadBalancer: {simple: RANDOM}}`;

describe("DestinationRules of one namespace for one host merge as Istio merges them (mergeDestinationRule)", () => {
  it("unique subsets are concatenated: a route to a subset of the second rule builds", () => {
    const t = table(service("bookinfo"), rule("reviews-a", "bookinfo", SUBSETS_V1_V2), rule("reviews-b", "bookinfo", SUBSET_V3), route("bookinfo", "v3"));
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19093");
  });

  it("the order of the documents does not change the result", () => {
    const t = table(service("bookinfo"), rule("reviews-b", "bookinfo", SUBSET_V3), rule("reviews-a", "bookinfo", SUBSETS_V1_V2), route("bookinfo", "v1"));
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19091");
  });

  it("one rule's trafficPolicy applies to the other's subsets (the traffic-policy + subsets split)", () => {
    const t = table(service("bookinfo"), rule("reviews-policy", "bookinfo", RANDOM), rule("reviews-subsets", "bookinfo", SUBSETS_V1_V2), route("bookinfo", "v2"));
    const cluster = t.virtualHosts[0]!.routes[0]!.destinations[0]!.cluster;
    expect(cluster.origins).toEqual(["http://127.0.0.1:19092"]);
    expect(cluster.lb).toEqual({ simple: "RANDOM" });
  });

  it("a subset both rules define is refused: Istio keeps the older rule's, which a file cannot say", () => {
    const found = errors(service("bookinfo"), rule("reviews-a", "bookinfo", SUBSETS_V1_V2), rule("reviews-b", "bookinfo", `
  subsets:
  - {name: v2, labels: {version: v3}}`), route("bookinfo", "v2"));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('merge.yaml:');
    expect(found[0]).toContain('DestinationRule reviews-b: spec.subsets[0].name: subset "v2" is also defined by DestinationRule reviews-a for the same host in namespace bookinfo');
    expect(found[0]).toContain("keeps the one created first (destination_rule.go mergeDestinationRule), which a file cannot say");
    expect(found[0]).toContain("fix: define each subset in one of the two rules");
  });

  it("two top-level trafficPolicies are refused for the same reason", () => {
    const found = errors(service("bookinfo"), rule("reviews-a", "bookinfo", RANDOM + SUBSETS_V1_V2), rule("reviews-b", "bookinfo", `
  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}`), route("bookinfo", "v1"));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("DestinationRule reviews-b: spec.trafficPolicy: DestinationRule reviews-a for the same host in namespace bookinfo has a trafficPolicy too");
  });

  it("two exported rules with different exportTo are refused: the merged rule keeps the first's", () => {
    const found = errors(service("bookinfo"), rule("reviews-a", "bookinfo", SUBSETS_V1_V2), rule("reviews-b", "bookinfo", `
  exportTo: [staging]${SUBSET_V3}`), route("bookinfo", "v1"));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain("DestinationRule reviews-b: spec.exportTo: DestinationRule reviews-a for the same host in namespace bookinfo is exported to [*], this one to [staging]");
  });

  it("a private rule (exportTo: [.]) merges in its own namespace only: there its subset applies", () => {
    const t = table(service("bookinfo"), rule("reviews-a", "bookinfo", SUBSETS_V1_V2), rule("reviews-private", "bookinfo", `
  exportTo: ["."]${SUBSET_V3}`), route("bookinfo", "v3"));
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19093");
  });

  it("…and a VirtualService of another namespace sees only the exported rule: its subset v3 does not exist there (Istio: 503), so the build fails closed", () => {
    const found = errors(
      service("bookinfo"),
      rule("reviews-a", "bookinfo", SUBSETS_V1_V2),
      rule("reviews-private", "bookinfo", `
  exportTo: ["."]${SUBSET_V3}`),
      route("frontend", "v3", "reviews.bookinfo.svc.cluster.local", "reviews.bookinfo.svc.cluster.local"),
    );
    expect(found.join("\n")).toContain('subset "v3" is not defined in DestinationRule reviews-a');
  });

  it("…while the exported rule's subsets do reach it", () => {
    const t = table(
      service("bookinfo"),
      rule("reviews-a", "bookinfo", SUBSETS_V1_V2),
      rule("reviews-private", "bookinfo", `
  exportTo: ["."]${SUBSET_V3}`),
      route("frontend", "v2", "reviews.bookinfo.svc.cluster.local", "reviews.bookinfo.svc.cluster.local"),
    );
    expect(originOf(t, "reviews.bookinfo.svc.cluster.local")).toBe("http://127.0.0.1:19092");
  });

  it('exportTo: ["~"] exports a rule to no namespace: not even its own applies it, so a route to its subset fails closed', () => {
    const found = errors(service("bookinfo"), rule("reviews-hidden", "bookinfo", `
  exportTo: ["~"]${SUBSETS_V1_V2}`), route("bookinfo", "v1"));
    expect(found.join("\n")).toContain('no DestinationRule that Istio applies here defines subsets for host "reviews"');
  });

  it("Bookinfo's destination-rule-all.yaml and destination-rule-reviews.yaml together: both name DestinationRule reviews, which Kubernetes keeps once, refused", () => {
    // Applying the second file replaces the first one's `reviews` (one object per kind, namespace and name): nothing merges.
    const dir = "test/fixtures/istio-samples/bookinfo/networking";
    const found = errors(readFileSync(`${dir}/destination-rule-all.yaml`, "utf8"), readFileSync(`${dir}/destination-rule-reviews.yaml`, "utf8"), service("default"), route("default", "v1"));
    expect(found.filter((line) => line.includes(" error: "))).toEqual([
      expect.stringContaining("DestinationRule reviews: metadata.name: DestinationRule reviews is defined twice in namespace default: Kubernetes keeps one DestinationRule of a name per namespace, and applying the second replaces the first"),
    ]);
  });
});
