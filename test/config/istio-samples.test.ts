// Istio's own samples (bookinfo's networking files, httpbin's and helloworld's
// gateways, copied verbatim into test/fixtures/istio-samples/) build here once a
// ServiceEntry says where the origins are, and `explain --json` routes their
// requests as Istio would: bookinfo's `end-user: jason` rules, the weighted splits
// on either side of the boundary, the fault routes, the ingress gateways.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import type { RouteTable } from "../../src/routing/table";
import { explainJson } from "../../src/tools/explain-json";

const DIR = "test/fixtures/istio-samples";
const BOOKINFO = "bookinfo/networking";

/** The one thing a Kubernetes cluster knows and the edge does not: where each version of a service runs. */
function serviceEntry(host: string, port: number, versions: Record<string, number>): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${host}}
spec:
  hosts: [${host}]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: ${port}, name: http, protocol: HTTP}]
  endpoints:
${Object.entries(versions).map(([version, p]) => `  - {address: 127.0.0.1, ports: {http: ${p}}, labels: {version: ${version}}}`).join("\n")}`;
}

const ORIGINS = {
  productpage: serviceEntry("productpage", 9080, { v1: 19080 }),
  reviews: serviceEntry("reviews", 9080, { v1: 19091, v2: 19092, v3: 19093 }),
  ratings: serviceEntry("ratings", 9080, { v1: 19101, v2: 19102, "v2-mysql": 19103, "v2-mysql-vm": 19104 }),
  details: serviceEntry("details", 9080, { v1: 19111, v2: 19112 }),
  "cert-manager-resolver": serviceEntry("cert-manager-resolver", 8089, { v1: 18089 }),
  httpbin: serviceEntry("httpbin", 8000, { v1: 18000 }),
  helloworld: serviceEntry("helloworld", 5000, { v1: 15001, v2: 15002 }),
};
const ALL_BOOKINFO = [ORIGINS.productpage, ORIGINS.reviews, ORIGINS.ratings, ORIGINS.details];

/** The sample files (verbatim) and ServiceEntries as one routes file; documents are separated whatever the files end with. */
function routesFile(samples: string[], entries: string[]): string {
  return [...samples.map((s) => readFileSync(`${DIR}/${s}`, "utf8")), ...entries].join("\n---\n");
}

function build(samples: string[], entries: string[]): { table: RouteTable; warnings: string[] } {
  const result = compileRoutes(routesFile(samples, entries), samples.join(" + "));
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return { table: result.table, warnings: result.problems.map(formatProblem) };
}

/** Each test's table, built once. */
const tables = new Map<string, RouteTable>();
function tableOf(samples: string[], entries = ALL_BOOKINFO): RouteTable {
  const key = samples.join("+");
  if (!tables.has(key)) tables.set(key, build(samples, entries).table);
  return tables.get(key)!;
}

const bookinfo = (...files: string[]) => files.map((f) => `${BOOKINFO}/${f}`);
/** A virtual-service-*.yaml of bookinfo with destination-rule-all.yaml, as the bookinfo tasks apply them. */
const withSubsets = (file: string) => tableOf(bookinfo("destination-rule-all.yaml", file));

/** What the worker does with `GET url`: the destination and origin it forwards to, or how it answers. */
function route(table: RouteTable, url: string, headers: [string, string][] = [], random = 0) {
  const plan = explainJson(table, "GET", url, headers, { random });
  if (plan.action === "forward") return { to: plan.destination, origin: plan.origin, ...(plan.faultDelayMs !== undefined ? { delayMs: plan.faultDelayMs } : {}) };
  return { answer: plan.status, reason: plan.reason };
}

const JASON: [string, string][] = [["end-user", "jason"]];

/** [what, sample files, ServiceEntries]: every sample that builds, with what it needs. */
const BUILDS: [string, string[], string[]][] = [
  ["bookinfo-gateway.yaml", bookinfo("bookinfo-gateway.yaml"), [ORIGINS.productpage]],
  ["certmanager-gateway.yaml", bookinfo("certmanager-gateway.yaml"), [ORIGINS["cert-manager-resolver"]]],
  ["destination-rule-reviews.yaml", bookinfo("destination-rule-reviews.yaml", "virtual-service-reviews-v3.yaml"), [ORIGINS.reviews]],
  ["egress-rule-google-apis.yaml (its own ServiceEntry)", bookinfo("egress-rule-google-apis.yaml"), []],
  ["fault-injection-details-v1.yaml (its own DestinationRule)", bookinfo("fault-injection-details-v1.yaml"), [ORIGINS.details]],
  ["the bookinfo task: gateway, destination rules, all routes to v1", bookinfo("bookinfo-gateway.yaml", "destination-rule-all.yaml", "virtual-service-all-v1.yaml"), ALL_BOOKINFO],
  ...readdirSync(`${DIR}/${BOOKINFO}`)
    .filter((f) => f.startsWith("virtual-service-"))
    .map((f): [string, string[], string[]] => [`${f} with destination-rule-all.yaml`, bookinfo("destination-rule-all.yaml", f), ALL_BOOKINFO]),
  ["httpbin-gateway.yaml", ["httpbin/httpbin-gateway.yaml"], [ORIGINS.httpbin]],
  ["helloworld-gateway.yaml", ["helloworld/helloworld-gateway.yaml"], [ORIGINS.helloworld]],
];
const REFUSED = bookinfo("destination-rule-all-mtls.yaml");

describe("every sample builds once ServiceEntries say where the origins are", () => {
  it.each(BUILDS)("%s", (_, samples, entries) => {
    const result = compileRoutes(routesFile(samples, entries));
    expect(result.problems.filter((p) => p.severity === "error").map(formatProblem)).toEqual([]);
    expect(result.table!.virtualHosts.length).toBeGreaterThan(0);
  });

  it("destination-rule-all-mtls.yaml is refused with the reason: ISTIO_MUTUAL needs mesh certificates", () => {
    const result = compileRoutes(routesFile([...REFUSED, ...bookinfo("virtual-service-all-v1.yaml")], ALL_BOOKINFO));
    expect(result.table).toBeUndefined();
    const errors = result.problems.filter((p) => p.severity === "error");
    expect(errors.map((p) => `${p.resource}: ${p.path}`)).toEqual(
      ["productpage", "reviews", "ratings", "details"].map((name) => `DestinationRule ${name}: spec.trafficPolicy.tls.mode`),
    );
    expect(errors[0]!.message).toBe("ISTIO_MUTUAL uses the certificates istiod issues to mesh workloads, and the worker is not one");
  });

  it("covers every bookinfo networking file", () => {
    const covered = new Set([...BUILDS.flatMap(([, samples]) => samples), ...REFUSED]);
    expect(readdirSync(`${DIR}/${BOOKINFO}`).map((f) => `${BOOKINFO}/${f}`).filter((f) => !covered.has(f))).toEqual([]);
  });
});

describe("bookinfo routes as Istio would", () => {
  it("virtual-service-all-v1: every service's requests go to v1", () => {
    const t = withSubsets("virtual-service-all-v1.yaml");
    expect(route(t, "http://productpage:9080/productpage")).toEqual({ to: "productpage/v1", origin: "http://127.0.0.1:19080" });
    expect(route(t, "http://reviews:9080/reviews/0", JASON)).toEqual({ to: "reviews/v1", origin: "http://127.0.0.1:19091" });
    expect(route(t, "http://ratings:9080/ratings/0", [], 0.99)).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101" });
    expect(route(t, "http://details:9080/details/0")).toEqual({ to: "details/v1", origin: "http://127.0.0.1:19111" });
  });

  it("virtual-service-reviews-test-v2: end-user jason → reviews v2, everyone else v1 (exact, case-sensitive)", () => {
    const t = withSubsets("virtual-service-reviews-test-v2.yaml");
    expect(route(t, "http://reviews:9080/reviews/0", JASON)).toEqual({ to: "reviews/v2", origin: "http://127.0.0.1:19092" });
    expect(route(t, "http://reviews:9080/reviews/0")).toEqual({ to: "reviews/v1", origin: "http://127.0.0.1:19091" });
    expect(route(t, "http://reviews:9080/reviews/0", [["end-user", "alice"]])).toMatchObject({ to: "reviews/v1" });
    expect(route(t, "http://reviews:9080/reviews/0", [["end-user", "Jason"]])).toMatchObject({ to: "reviews/v1" });
  });

  it("virtual-service-reviews-jason-v2-v3: jason → v2, everyone else v3", () => {
    const t = withSubsets("virtual-service-reviews-jason-v2-v3.yaml");
    expect(route(t, "http://reviews:9080/", JASON)).toMatchObject({ to: "reviews/v2" });
    expect(route(t, "http://reviews:9080/")).toMatchObject({ to: "reviews/v3" });
  });

  it.each([
    ["virtual-service-reviews-50-v3.yaml", "reviews/v1", "reviews/v3", 0.5],
    ["virtual-service-reviews-80-20.yaml", "reviews/v1", "reviews/v2", 0.8],
    ["virtual-service-reviews-90-10.yaml", "reviews/v1", "reviews/v2", 0.9],
    ["virtual-service-reviews-v2-v3.yaml", "reviews/v2", "reviews/v3", 0.5],
  ])("%s: the weights split the draw at the boundary (--random on either side)", (file, first, second, boundary) => {
    const t = withSubsets(file);
    expect(route(t, "http://reviews:9080/", [], 0)).toMatchObject({ to: first });
    expect(route(t, "http://reviews:9080/", [], boundary - 0.0001)).toMatchObject({ to: first });
    expect(route(t, "http://reviews:9080/", [], boundary)).toMatchObject({ to: second });
    expect(route(t, "http://reviews:9080/", [], 0.9999)).toMatchObject({ to: second });
  });

  it.each([
    ["virtual-service-reviews-v3.yaml", "http://reviews:9080/", "reviews/v3"],
    ["virtual-service-details-v2.yaml", "http://details:9080/", "details/v2"],
    ["virtual-service-ratings-db.yaml", "http://ratings:9080/", "ratings/v2"],
    ["virtual-service-ratings-db.yaml", "http://reviews:9080/", "reviews/v3"],
    ["virtual-service-ratings-mysql.yaml", "http://ratings:9080/", "ratings/v2-mysql"],
    ["virtual-service-ratings-mysql-vm.yaml", "http://ratings:9080/", "ratings/v2-mysql-vm"],
  ])("%s: %s → %s", (file, url, destination) => {
    expect(route(withSubsets(file), url)).toMatchObject({ to: destination });
  });

  it("virtual-service-ratings-test-delay: jason's requests wait 7 s, then reach ratings v1; others are not delayed", () => {
    const t = withSubsets("virtual-service-ratings-test-delay.yaml");
    expect(route(t, "http://ratings:9080/ratings/0", JASON, 0.9999)).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101", delayMs: 7000 });
    expect(route(t, "http://ratings:9080/ratings/0")).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101" });
  });

  it("virtual-service-ratings-test-abort: jason gets 500 from the edge, no origin contacted; others reach ratings v1", () => {
    const t = withSubsets("virtual-service-ratings-test-abort.yaml");
    expect(route(t, "http://ratings:9080/ratings/0", JASON, 0.9999)).toEqual({ answer: 500, reason: "fault_abort" });
    expect(route(t, "http://ratings:9080/ratings/0")).toEqual({ to: "ratings/v1", origin: "http://127.0.0.1:19101" });
  });

  it("fault-injection-details-v1: every request to details is aborted with 555", () => {
    const t = tableOf(bookinfo("fault-injection-details-v1.yaml"), [ORIGINS.details]);
    expect(route(t, "http://details:9080/details/0", [], 0.9999)).toEqual({ answer: 555, reason: "fault_abort" });
  });

  it("bookinfo-gateway: any host the ingress receives, the five productpage paths; nothing else", () => {
    const t = tableOf(bookinfo("bookinfo-gateway.yaml"), [ORIGINS.productpage]);
    for (const path of ["/productpage", "/static/css/style.css", "/login", "/logout", "/api/v1/products/0/reviews"])
      expect(route(t, `http://bookinfo.example.com${path}`)).toEqual({ to: "productpage", origin: "http://127.0.0.1:19080" });
    expect(route(t, "http://192.0.2.10:8080/productpage")).toMatchObject({ to: "productpage" });
    expect(route(t, "http://bookinfo.example.com/productpage/x")).toEqual({ answer: 404, reason: "no_route" });
    expect(route(t, "http://bookinfo.example.com/reviews/0")).toEqual({ answer: 404, reason: "no_route" });
  });

  it("the gateway and the mesh routes together: the worker is the ingress gateway, so the gateway's routes win for every host", () => {
    const { table, warnings } = build(bookinfo("bookinfo-gateway.yaml", "destination-rule-all.yaml", "virtual-service-all-v1.yaml"), ALL_BOOKINFO);
    expect(warnings.filter((w) => w.includes("is not served from this mesh VirtualService"))).toHaveLength(4);
    expect(route(table, "http://reviews:9080/productpage")).toEqual({ to: "productpage", origin: "http://127.0.0.1:19080" });
    expect(route(table, "http://reviews:9080/reviews/0", JASON)).toEqual({ answer: 404, reason: "no_route" });
  });

  it("egress-rule-google-apis: port 80 requests go to port 443 over TLS (portLevelSettings tls SIMPLE); port 443 has no route", () => {
    const t = tableOf(bookinfo("egress-rule-google-apis.yaml"), []);
    expect(route(t, "http://www.googleapis.com/books/v1/volumes")).toEqual({ to: "www.googleapis.com", origin: "https://www.googleapis.com" });
    expect(route(t, "https://www.googleapis.com/books/v1/volumes")).toEqual({ answer: 404, reason: "no_route" });
  });

  it("certmanager-gateway: ACME challenges on any host go to the resolver", () => {
    const t = tableOf(bookinfo("certmanager-gateway.yaml"), [ORIGINS["cert-manager-resolver"]]);
    expect(route(t, "http://shop.example.com/.well-known/acme-challenge/abc")).toEqual({ to: "cert-manager-resolver", origin: "http://127.0.0.1:18089" });
    expect(route(t, "http://shop.example.com/")).toEqual({ answer: 404, reason: "no_route" });
  });
});

describe("httpbin and helloworld ingress", () => {
  it("httpbin-gateway: every path of every host goes to httpbin:8000", () => {
    const t = tableOf(["httpbin/httpbin-gateway.yaml"], [ORIGINS.httpbin]);
    expect(route(t, "http://httpbin.example.com/headers")).toEqual({ to: "httpbin", origin: "http://127.0.0.1:18000" });
    expect(route(t, "http://203.0.113.7/status/418")).toMatchObject({ to: "httpbin" });
  });

  it("helloworld-gateway: /hello goes to helloworld, either version at random (no subsets); other paths have no route", () => {
    const t = tableOf(["helloworld/helloworld-gateway.yaml"], [ORIGINS.helloworld]);
    expect(route(t, "http://hello.example.com/hello", [], 0)).toEqual({ to: "helloworld", origin: "http://127.0.0.1:15001" });
    expect(route(t, "http://hello.example.com/hello", [], 0.9)).toEqual({ to: "helloworld", origin: "http://127.0.0.1:15002" });
    expect(route(t, "http://hello.example.com/hello/x")).toEqual({ answer: 404, reason: "no_route" });
  });
});
