// Namespaces as Istio applies them: short host names resolve in the resource's own
// namespace (istio/istio pilot/pkg/model/config.go ResolveShortnameToFQDN), rules in
// two namespaces are two rules, and a VirtualService's destination takes the
// DestinationRule pilot/pkg/model/push_context.go destinationRule() picks (the
// caller's namespace, then the service's, then istio-system; exportTo honoured as in
// setDestinationRules / getExportedDestinationRuleFromNamespace). The worker stands
// in for a proxy in the VirtualService's namespace. Bookinfo's files are used
// verbatim with a namespace added, as `kubectl apply -n` would.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { explainJson } from "../../src/tools/explain-json";
import type { RouteTable } from "../../src/routing/table";

const BOOKINFO = "test/fixtures/istio-samples/bookinfo/networking";
const sample = (file: string) => readFileSync(`${BOOKINFO}/${file}`, "utf8");

/** Every document of `yaml` placed in `namespace`, as `kubectl apply -n namespace -f` does. */
function inNamespace(yaml: string, namespace: string): string {
  return yaml.replace(/^metadata:\n  name: (.+)$/gm, `metadata:\n  name: $1\n  namespace: ${namespace}`);
}

/** The Kubernetes Service `reviews` of one namespace: three versions on their own ports. */
function reviewsService(namespace: string | undefined, firstPort: number, extra = ""): string {
  const metadata = namespace === undefined ? "{name: reviews}" : `{name: reviews, namespace: ${namespace}}`;
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: ${metadata}
spec:
  hosts: [reviews]
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]${extra}
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${firstPort}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: ${firstPort + 1}}, labels: {version: v2}}
  - {address: 127.0.0.1, ports: {http: ${firstPort + 2}}, labels: {version: v3}}`;
}

/** A DestinationRule whose subset `v3` selects `labels` (so which rule applied shows in the origin). */
function reviewsRule(name: string, namespace: string, host: string, v3: string, extra = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  host: ${host}${extra}
  subsets:
  - {name: v3, labels: {version: ${v3}}}`;
}

/** A VirtualService in `namespace` for host `host` sending everything to `destination` subset v3. */
function reviewsRoute(namespace: string, host: string, destination = "reviews"): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: ${namespace}}
spec:
  hosts: [${host}]
  http:
  - route: [{destination: {host: ${destination}, subset: v3}}]`;
}

function compile(...documents: string[]) {
  return compileRoutes(documents.join("\n---\n"), "namespaces.yaml");
}

function errors(...documents: string[]): string[] {
  return compile(...documents).problems.filter((p) => p.severity === "error").map(formatProblem);
}

function table(...documents: string[]): RouteTable {
  const result = compile(...documents);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

const originOf = (t: RouteTable, host: string) => explainJson(t, "GET", `http://${host}/reviews/0`, []).origin;

describe("bookinfo in two namespaces", () => {
  const bookinfo = [inNamespace(sample("destination-rule-reviews.yaml"), "bookinfo"), inNamespace(sample("virtual-service-reviews-v3.yaml"), "bookinfo"), reviewsService("bookinfo", 19091)];

  it("builds in one namespace, as in the cluster: reviews → v3", () => {
    expect(originOf(table(...bookinfo), "reviews")).toBe("http://127.0.0.1:19093");
  });

  it("bookinfo's jason task, every file in namespace bookinfo with the reviews rules of destination-rule-all.yaml: jason → v2, others → v3", () => {
    const t = table(inNamespace(sample("destination-rule-all.yaml"), "bookinfo"), inNamespace(sample("virtual-service-reviews-jason-v2-v3.yaml"), "bookinfo"), reviewsService("bookinfo", 19091));
    expect(explainJson(t, "GET", "http://reviews/reviews/0", [["end-user", "jason"]]).origin).toBe("http://127.0.0.1:19092");
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19093");
  });

  it("a DestinationRule for reviews in each namespace: two rules, no duplicate, each VirtualService takes its own namespace's", () => {
    const t = table(
      ...bookinfo,
      reviewsRule("reviews", "staging", "reviews", "v1"),
      reviewsRoute("staging", "reviews.staging.example"),
      reviewsService("staging", 29091),
    );
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19093");
    // staging's rule maps its subset v3 to version v1, on staging's service.
    expect(originOf(t, "reviews.staging.example")).toBe("http://127.0.0.1:29091");
  });

  it("VirtualServices of two namespaces for the short host reviews: two services in Istio, one Host header at the edge, refused with the reason", () => {
    const found = errors(...bookinfo, reviewsRoute("staging", "reviews"), reviewsService("staging", 29091), reviewsRule("reviews", "staging", "reviews", "v3"));
    expect(found.join("\n")).toContain(
      'VirtualService reviews: spec.hosts[0]: host "reviews" is already routed by VirtualService reviews in namespace bookinfo (Istio completes "reviews" per namespace, so it names two services there; a request\'s Host header carries no namespace, so the edge cannot tell them apart)',
    );
    expect(found.join("\n")).toContain("fix: give one of them a host name that says which service it is, e.g. reviews.staging.svc.cluster.local");
  });

  it("two DestinationRules of one namespace defining one subset of one host: Istio keeps the older, which a file cannot say (istio-destination-rule-merge.test.ts has the rest)", () => {
    expect(errors(...bookinfo, reviewsRule("reviews-again", "bookinfo", "reviews", "v2")).join("\n")).toContain(
      'DestinationRule reviews-again: spec.subsets[0].name: subset "v3" is also defined by DestinationRule reviews for the same host in namespace bookinfo',
    );
  });

  it("a DestinationRule for reviews in another namespace is not applied to bookinfo's VirtualService (Istio: no subset, 503); the build fails closed", () => {
    const found = errors(reviewsRoute("bookinfo", "reviews"), reviewsService("bookinfo", 19091), inNamespace(sample("destination-rule-reviews.yaml"), "staging"));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('spec.http[0].route[0].destination.subset: no DestinationRule that Istio applies here defines subsets for host "reviews" (reviews.bookinfo.svc.cluster.local)');
    expect(found[0]).toContain('DestinationRule staging/reviews does not apply: its host "reviews" means reviews.staging.svc.cluster.local in its namespace staging: another service');
    expect(found[0]).toContain("Istio would route to a subset that does not exist (503); the edge refuses instead");
    expect(found[0]).toContain("fix: add a DestinationRule for reviews.bookinfo.svc.cluster.local in namespace bookinfo, or export one to it");
  });

  it("a rule for the full name in a third namespace does not apply either: Istio looks in the caller's, the service's and the root namespace only", () => {
    const found = errors(reviewsRoute("bookinfo", "reviews"), reviewsService("bookinfo", 19091), reviewsRule("reviews", "staging", "reviews.bookinfo.svc.cluster.local", "v3"));
    expect(found.join("\n")).toContain("DestinationRule staging/reviews does not apply: its exportTo is every namespace, and Istio takes rules from namespace bookinfo (the VirtualService's), then the service's namespace, then istio-system");
  });

  it("a rule in istio-system (the root namespace) for the full name applies", () => {
    const t = table(reviewsRoute("bookinfo", "reviews"), reviewsService("bookinfo", 19091), reviewsRule("reviews", "istio-system", "reviews.bookinfo.svc.cluster.local", "v2"));
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19092");
  });

  it("the caller's namespace beats the service's: a frontend rule for reviews.bookinfo wins over bookinfo's own", () => {
    const t = table(
      reviewsRoute("frontend", "reviews", "reviews.bookinfo.svc.cluster.local"),
      reviewsService("bookinfo", 19091),
      reviewsRule("reviews", "bookinfo", "reviews", "v3"),
      reviewsRule("reviews-from-frontend", "frontend", "reviews.bookinfo.svc.cluster.local", "v1"),
    );
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19091");
  });

  it("a wildcard rule applies when no rule names the host exactly (MostSpecificHostMatch)", () => {
    const t = table(reviewsRoute("bookinfo", "reviews"), reviewsService("bookinfo", 19091), reviewsRule("all", "bookinfo", "\"*.bookinfo.svc.cluster.local\"", "v2"));
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19092");
  });

  it("the short name of another namespace's ServiceEntry is another service: the error says which and how to fix it", () => {
    const found = errors(reviewsRoute("bookinfo", "reviews"), reviewsService("staging", 29091), inNamespace(sample("destination-rule-reviews.yaml"), "bookinfo"));
    expect(found.join("\n")).toContain(
      'destination.host: no ServiceEntry registers host "reviews" (reviews.bookinfo.svc.cluster.local: Istio completes a short name in the VirtualService\'s namespace, bookinfo); ServiceEntry reviews registers it in namespace staging, another service',
    );
    expect(found.join("\n")).toContain("fix: put the ServiceEntry in namespace bookinfo (metadata.namespace), or name the service in full: reviews.staging.svc.cluster.local");
  });

  it("a ServiceEntry without metadata.namespace lands where it is applied: it serves a VirtualService of any namespace, as before", () => {
    const t = table(...bookinfo.slice(0, 2), reviewsService(undefined, 19091));
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19093");
  });
});

describe("a VirtualService bound to a Gateway: the gateway's proxy may run in any namespace", () => {
  const gateway = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: bookinfo-gateway, namespace: bookinfo}\nspec:\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"]}]";
  const bound = reviewsRoute("bookinfo", "reviews").replace("  hosts:", "  gateways: [bookinfo-gateway]\n  hosts:");

  it("a rule exported to every namespace is the same rule from any proxy: it builds", () => {
    expect(originOf(table(gateway, bound, reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v2")), "reviews")).toBe("http://127.0.0.1:19092");
  });

  it('a rule exported only to "." applies to a proxy in bookinfo, not to one in istio-system (bookinfo\'s own gateway runs there): refused with the reason', () => {
    const found = errors(gateway, bound, reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v3", '\n  exportTo: ["."]'));
    expect(found.join("\n")).toContain(
      "the VirtualService is bound to a Gateway, whose proxy may run in any namespace, and the DestinationRule Istio applies depends on it: DestinationRule bookinfo/reviews for a proxy in bookinfo, no DestinationRule from istio-system",
    );
  });

  it('a ServiceEntry exported only to "." is not visible to a gateway proxy elsewhere: refused with the reason', () => {
    const found = errors(gateway, bound, reviewsService("bookinfo", 19091, '\n  exportTo: ["."]'), reviewsRule("reviews", "bookinfo", "reviews", "v3"));
    expect(found.join("\n")).toContain("ServiceEntry bookinfo/reviews (exportTo: [.]) is not visible from istio-system, so whether Istio serves this route depends on where that proxy runs");
  });
});

describe("exportTo", () => {
  const frontend = reviewsRoute("frontend", "reviews", "reviews.bookinfo.svc.cluster.local");

  it('a DestinationRule exported only to its own namespace (".") is not applied to a VirtualService of another', () => {
    const found = errors(frontend, reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v3", '\n  exportTo: ["."]'));
    expect(found.join("\n")).toContain("DestinationRule bookinfo/reviews does not apply: its exportTo is [.]");
  });

  it("a DestinationRule exported to the VirtualService's namespace by name applies (from the service's namespace)", () => {
    const t = table(frontend, reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v2", "\n  exportTo: [frontend]"));
    expect(originOf(t, "reviews")).toBe("http://127.0.0.1:19092");
  });

  it("the most specific exported rule decides: when it is not exported to the caller, a less specific one is not used instead", () => {
    const found = errors(
      frontend,
      reviewsService("bookinfo", 19091),
      reviewsRule("exact", "bookinfo", "reviews", "v3", "\n  exportTo: [shop]"),
      reviewsRule("wide", "bookinfo", "\"*.bookinfo.svc.cluster.local\"", "v2"),
    );
    expect(found.join("\n")).toContain("DestinationRule bookinfo/exact does not apply: its exportTo is [shop]");
  });

  it("a ServiceEntry not exported to the VirtualService's namespace gives it no service (Istio: 503)", () => {
    const found = errors(frontend, reviewsService("bookinfo", 19091, '\n  exportTo: ["."]'), reviewsRule("reviews", "bookinfo", "reviews", "v3"));
    expect(found.join("\n")).toContain('is registered by ServiceEntry bookinfo/reviews (exportTo: [.]), which is not exported to namespace frontend; Istio gives this route no such service (503)\n    fix: add frontend to the ServiceEntry\'s exportTo, or "*"');
  });

  it.each([
    ['["*", bookinfo]', '"*" and "~" must be the only entry'],
    ['["Not_A_Namespace"]', '"Not_A_Namespace" is not ".", "*", "~" or a namespace name (Istio)'],
    ["[bookinfo, bookinfo]", "lists a namespace twice (Istio)"],
  ])("exportTo %s is refused as Istio refuses it", (exportTo, message) => {
    expect(errors(...[reviewsRoute("bookinfo", "reviews"), reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v3", `\n  exportTo: ${exportTo}`)]).join("\n")).toContain(
      `DestinationRule reviews: spec.exportTo: ${message}`,
    );
  });

  it("a VirtualService not exported to its own namespace is refused: the worker stands in for a proxy there, which Istio would not give it", () => {
    const yaml = reviewsRoute("bookinfo", "reviews").replace("  hosts:", "  exportTo: [frontend]\n  hosts:");
    expect(errors(yaml, reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v3")).join("\n")).toContain(
      "VirtualService reviews: spec.exportTo: [frontend] leaves out the VirtualService's own namespace bookinfo: Istio's proxies there do not apply it",
    );
  });

  it('a gateway-bound VirtualService exported narrower than "*" is refused: the gateway proxy\'s namespace decides, and the edge cannot see it', () => {
    const gateway = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: bookinfo-gateway, namespace: bookinfo}\nspec:\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [\"*\"]}]";
    const bound = (exportTo: string) => reviewsRoute("bookinfo", "reviews").replace("  hosts:", `  exportTo: ${exportTo}\n  gateways: [bookinfo-gateway]\n  hosts:`);
    const backends = [reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v3"), gateway];
    expect(errors(bound('["."]'), ...backends).join("\n")).toContain(
      "spec.exportTo: [.] decides whether the proxy of Gateway bookinfo/bookinfo-gateway applies this VirtualService: Istio serves it there only when exportTo includes the namespace that proxy runs in, and the edge cannot see which namespace that is",
    );
    expect(errors(bound('["*"]'), ...backends)).toEqual([]);
  });

  it("a VirtualService's exportTo is accepted with a warning saying the worker applies it to every request for its hosts", () => {
    const yaml = reviewsRoute("bookinfo", "reviews").replace("  hosts:", '  exportTo: ["."]\n  hosts:');
    const result = compile(yaml, reviewsService("bookinfo", 19091), reviewsRule("reviews", "bookinfo", "reviews", "v3"));
    expect(result.table).toBeDefined();
    expect(result.problems.map(formatProblem).join("\n")).toContain("the worker applies it to every request for its hosts");
  });
});
