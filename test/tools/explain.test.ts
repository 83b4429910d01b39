// `npm run explain`: which VirtualService, route, destination and mirrors a request
// gets, without sending anything.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import { ExplainInputError, explainRequest } from "../../src/tools/explain";
import { explainJson } from "../../src/tools/explain-json";
import { hashPerMillion } from "../../src/routing/hash";
import type { RouteTable } from "../../src/routing/table";
import { istioDefaultRetries } from "../../src/config/defaults";

function table(yaml: string): RouteTable {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

const BACKENDS = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  resolution: STATIC
  ports: [{number: 8000, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: 9081}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: 9082}, labels: {version: v2}}
  - {address: 127.0.0.1, ports: {http: 9083}, labels: {version: v3}}
`;

/** One VirtualService `name` for `host`, with the given http routes (YAML, indented), plus the backends. */
function routes(name: string, host: string, http: string, extra = ""): RouteTable {
  return table(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}}
spec:
  hosts: [${host}]
  http:
${http}
---${BACKENDS}${extra}`);
}

describe("a consistent hash: the origin named is the plan's, not picked again", () => {
  const sticky = table(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: sticky}
spec:
  hosts: [sticky]
  http:
  - route: [{destination: {host: sticky}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: sticky}
spec:
  host: sticky
  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: sticky}
spec:
  hosts: [sticky]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: 9091}}
  - {address: 127.0.0.1, ports: {http: 9092}}
`);

  it.each(["alice", "bob", "carol", "dave"])("x-user: %s", (user) => {
    const origin = explainJson(sticky, "GET", "http://sticky/", [["x-user", user]]).origin;
    expect(["http://127.0.0.1:9091", "http://127.0.0.1:9092"]).toContain(origin);
    expect(explainRequest(sticky, "GET", "http://sticky/", [["x-user", user]])).toContain(
      `  sticky 100 % → ${origin} (consistent hash on header x-user = "${user}"; origins http://127.0.0.1:9091, http://127.0.0.1:9092)`,
    );
  });
});

describe("the seed walkthrough (routes.yaml)", () => {
  const seed = table(readFileSync("routes.yaml", "utf8"));

  it("GET http://httpbin:8000/headers: v1 answers, v2 gets every request as a shadow", () => {
    expect(explainRequest(seed, "GET", "http://httpbin:8000/headers", [])).toEqual([
      "GET http://httpbin:8000/headers",
      'host "httpbin:8000" → VirtualService httpbin',
      "route httpbin/http[0]: no match conditions, so every request",
      "destination:",
      "  httpbin/v1 100 % → http://127.0.0.1:9081",
      "path: /headers (no rewrite)",
      "mirrors:",
      "  httpbin/v2 → http://127.0.0.1:9082: random, 100 %",
      "  MIRROR_PERCENT_CAP, when set on the worker, caps these percentages",
      "X-Forwarded-Host: primary httpbin:8000, shadow httpbin-shadow:8000",
      "timeout: none (shadows are cut off after 25 s)",
      // The worker applies Istio's default retry policy to a route without retries; explain says so.
      "retries: Istio's default (the route has no retries): up to 2 more tries on connect-failure (a request with a body is streamed, so it is not retried)",
    ]);
  });

  it("an unknown host: no VirtualService, 404, nothing contacted", () => {
    const lines = explainRequest(seed, "GET", "http://example.com/", []);
    expect(lines).toEqual([
      "GET http://example.com/",
      'host "example.com": no VirtualService lists "example.com"',
      '→ 404 no VirtualService for host "example.com"; nothing is contacted, nothing is mirrored',
    ]);
  });

  it("the Host header wins over the URL's host, as in the worker", () => {
    const lines = explainRequest(seed, "GET", "http://127.0.0.1:8787/headers", [["Host", "HTTPBIN:8000"]]);
    expect(lines).toContain('host "HTTPBIN:8000" → VirtualService httpbin');
    expect(lines).toContain("X-Forwarded-Host: primary HTTPBIN:8000, shadow HTTPBIN-shadow:8000");
  });

  it("a shadow coming back through the worker is not mirrored again", () => {
    const lines = explainRequest(seed, "GET", "http://httpbin:8000/headers", [["X-Forwarded-Host", "httpbin-shadow:8000"]]);
    expect(lines).toContain("mirrors: none for this request: it is a shadow coming back through the worker (X-Forwarded-Host httpbin-shadow:8000), never mirrored again");
    expect(lines).toContain("X-Forwarded-Host: primary httpbin-shadow:8000");
  });
});

describe("x-request-id, set before routing as in the worker (Envoy mutateRequestHeaders)", () => {
  const keyed = routes("ids", "ids.test", `  - name: generated
    match: [{headers: {x-request-id: {regex: "[0-9a-f]{8}-.*"}}}]
    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
    route: [{destination: {host: httpbin, subset: v1}}]
  - name: other
    route: [{destination: {host: httpbin, subset: v2}}]`);

  it("a request without an id is explained with a generated UUID, so a route keyed on it matches", () => {
    const lines = explainRequest(keyed, "GET", "http://ids.test/", []);
    expect(lines.join("\n")).toContain("route ids/generated");
    expect(lines.join("\n")).toMatch(/abort.*418|418.*abort/);
  });

  it("a plain id given with -H is the one routes see", () => {
    expect(explainRequest(keyed, "GET", "http://ids.test/", [["x-request-id", "plain-1"]]).join("\n")).toContain("route ids/other");
  });
});

describe("routes, matches and weights", () => {
  it("a 30/70 route shows every destination's share", () => {
    const t = routes("weighted", "weights.test", `  - route:
    - destination: {host: httpbin, subset: v1}
      weight: 30
    - destination: {host: httpbin, subset: v2}
      weight: 70`);
    const lines = explainRequest(t, "GET", "http://weights.test/", []);
    expect(lines).toContain("destination (one per request, at random by weight):");
    expect(lines).toContain("  httpbin/v1 30 % → http://127.0.0.1:9081");
    expect(lines).toContain("  httpbin/v2 70 % → http://127.0.0.1:9082");
    expect(lines).toContain("mirrors: none");
  });

  const matching = routes("matching", "match.test", `  - name: alice-to-v2
    match:
    - headers:
        x-user: {exact: alice}
    route: [{destination: {host: httpbin, subset: v2}}]
  - name: api-to-v3
    match:
    - uri: {prefix: /api/}
      method: {exact: POST}
    - uri: {regex: "/v[0-9]+/items"}
    route: [{destination: {host: httpbin, subset: v3}}]
  - name: default
    route: [{destination: {host: httpbin, subset: v1}}]`);

  it("a header match chooses the route, and says which block matched", () => {
    const alice = explainRequest(matching, "GET", "http://match.test/anything", [["x-user", "alice"]]);
    expect(alice).toContain('route matching/alice-to-v2, match[0]: header x-user exact "alice"');
    expect(alice).toContain("  httpbin/v2 100 % → http://127.0.0.1:9082");

    const bob = explainRequest(matching, "GET", "http://match.test/anything", [["x-user", "bob"]]);
    expect(bob).toContain("  not matched: matching/alice-to-v2, matching/api-to-v3");
    expect(bob).toContain("route matching/default: no match conditions, so every request");
    expect(bob).toContain("  httpbin/v1 100 % → http://127.0.0.1:9081");
  });

  it("names the second block when it is the one that matched; the method is upper-cased as fetch() does", () => {
    const lines = explainRequest(matching, "post", "http://match.test/v2/items?x=1", []);
    expect(lines[0]).toBe("POST http://match.test/v2/items?x=1");
    expect(lines).toContain('route matching/api-to-v3, match[1]: uri regex "/v[0-9]+/items"');
  });

  it("no route matched: 404", () => {
    const t = routes("only", "only.test", `  - match: [{uri: {exact: /a}}]
    route: [{destination: {host: httpbin, subset: v1}}]`);
    expect(explainRequest(t, "GET", "http://only.test/b", []).slice(-2)).toEqual(["  not matched: only/http[0]", "→ 404 no route matched; nothing is contacted, nothing is mirrored"]);
  });
});

describe("mirror sampling by key (MirrorPolicy sampleKey)", () => {
  const keyed = routes(
    "keyed",
    "keyed.test",
    `  - name: sampled
    route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
    mirrorPercentage: {value: 50}`,
    `---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: by-user}
spec:
  targetRef: {virtualService: keyed}
  sampleKey: {header: x-user}`,
  );
  // Two users on either side of the 50 % threshold (500 000 of 1 000 000).
  const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
  const inside = users.find((u) => hashPerMillion(u) < 500_000)!;
  const outside = users.find((u) => hashPerMillion(u) >= 500_000)!;

  it("the table carries the key", () => {
    expect(keyed.virtualHosts[0]!.routes[0]!.shadow?.sampleKey).toEqual({ header: "x-user" });
  });

  it("a user whose hash is under the threshold is mirrored, every time", () => {
    const explain = () => explainRequest(keyed, "GET", "http://keyed.test/", [["x-user", inside]]);
    const lines = explain();
    expect(lines).toContain(`  sample key header x-user = "${inside}": hash ${hashPerMillion(inside)} (of 1 000 000)`);
    expect(lines).toContain(`  httpbin/v2 50 % → http://127.0.0.1:9082: ${hashPerMillion(inside)} < 500000, so mirrored (the same for every request with this key)`);
    expect(lines).toContain("X-Forwarded-Host: primary keyed.test, shadow keyed.test-shadow");
    expect(explain()).toEqual(lines);
  });

  it("a user whose hash is over the threshold is never mirrored", () => {
    const lines = explainRequest(keyed, "GET", "http://keyed.test/", [["x-user", outside]]);
    expect(lines).toContain(`  httpbin/v2 50 % → http://127.0.0.1:9082: ${hashPerMillion(outside)} ≥ 500000, so not mirrored (the same for every request with this key)`);
    expect(lines).toContain("X-Forwarded-Host: primary keyed.test, shadow keyed.test-shadow (when mirrored)");
  });

  it("a user under the threshold but over the cap: the plan's kill_switch, said on the mirror's own line", () => {
    const lines = explainRequest(keyed, "GET", "http://keyed.test/", [["x-user", inside]], { mirrorPercentCap: 0 });
    expect(lines).toContain(`  httpbin/v2 50 % → http://127.0.0.1:9082: ${hashPerMillion(inside)} < 500000, but capped out: not mirrored (the same for every request with this key)`);
    expect(lines.join("\n")).not.toContain("so mirrored");
  });

  it("without the key, the draw is random", () => {
    const lines = explainRequest(keyed, "GET", "http://keyed.test/", []);
    expect(lines).toContain("  sample key header x-user is not in the request: sampled at random");
    expect(lines).toContain("  httpbin/v2 → http://127.0.0.1:9082: random, 50 %");
  });

  it("works on a table built by hand, with hostSuffix off and shadow headers", () => {
    const cluster = (name: string, port: number) => ({ name, origins: [`http://127.0.0.1:${port}`] });
    const t: RouteTable = {
      version: 1,
      source: "test",
      virtualHosts: [
        {
          name: "hand",
          routes: [
            {
              name: "hand/http[0]",
              identity: { virtualService: "hand", route: "http[0]" },
              match: [],
              destinations: [{ cluster: cluster("svc/v1", 9081), weight: 1 }],
              totalWeight: 1,
              mirrors: [{ cluster: cluster("svc/v2", 9082), perMillion: 1_000_000 }],
              retries: istioDefaultRetries(),
              shadow: { hostSuffix: false, bodyCapBytes: 10, removeHeaders: ["authorization"], setHeaders: { "x-shadow": "1" }, methods: ["POST"], sampleKey: { cookie: "session" }, timeoutMs: 25_000 },
            },
          ],
        },
      ],
      hosts: { exact: {}, wildcards: [], catchAll: 0 },
    };
    const post = explainRequest(t, "POST", "http://anything.example/", [["cookie", "a=1; session=s-42"], ["content-length", "11"]]);
    expect(post).toContain(`  sample key cookie session = "s-42": hash ${hashPerMillion("s-42")} (of 1 000 000)`);
    expect(post).toContain("  Content-Length 11 is over the 10-byte cap: the shadow would be skipped (body_too_large)");
    expect(post).toContain("  shadow only: remove headers authorization");
    expect(post).toContain("  shadow only: set x-shadow: 1");
    expect(post).toContain(
      "X-Forwarded-Host: primary anything.example, shadow anything.example, without the -shadow suffix (hostSuffix: false), marked with x-edge-mirror-shadow: 1 instead",
    );
    const get = explainRequest(t, "GET", "http://anything.example/", []);
    expect(get).toContain("mirrors: none for this request: the MirrorPolicy mirrors only POST");
    expect(get).toContain("X-Forwarded-Host: primary anything.example");
  });
});

describe("the route's other fields", () => {
  it("rewrite, header operations, timeout and retries; the shadow's authority follows the rewrite", () => {
    const t = routes("api", "api.test", `  - match: [{uri: {prefix: /api/}}]
    route:
    - destination: {host: httpbin, subset: v1}
      headers: {request: {set: {x-dest: v1}}}
    mirror: {host: httpbin, subset: v2}
    rewrite: {uri: /v2/, authority: internal.test}
    headers:
      request: {set: {x-route: "1"}, remove: [x-debug]}
      response: {add: {x-served-by: edge}}
    timeout: 2s
    retries: {attempts: 2, perTryTimeout: 500ms, retryOn: "5xx,503"}`);
    const lines = explainRequest(t, "GET", "http://api.test/api/users?id=7", []);
    expect(lines).toContain('path: /api/users?id=7 → /v2/users?id=7 (rewrite uri: the matched prefix "/api/" becomes "/v2/"; the shadow gets the rewritten path too)');
    expect(lines).toContain('authority: "api.test" → "internal.test" (rewrite.authority, sent as X-Forwarded-Host)');
    expect(lines).toContain("    request headers, this destination only (not the shadow): set x-dest: v1");
    expect(lines).toContain("request headers (primary and shadow): remove x-debug; set x-route: 1");
    expect(lines).toContain("response headers: add x-served-by: edge");
    expect(lines).toContain("X-Forwarded-Host: primary internal.test, shadow internal.test-shadow");
    expect(lines).toContain("timeout: 2 s (the primary answers 504 past it; shadows are cut off at it)");
    expect(lines).toContain("retries: up to 2 more tries on 5xx, status 503, 500 ms per try (a streamed request body, without Content-Length or over 1048576 bytes, is not retried)");
  });

  it("redirect, directResponse and fault abort answer without an upstream", () => {
    const t = routes("local", "local.test", `  - match: [{uri: {exact: /old}}]
    redirect: {uri: /new, redirectCode: 302}
  - match: [{uri: {exact: /healthz}}]
    directResponse: {status: 200, body: {string: ok}}
  - route: [{destination: {host: httpbin, subset: v1}}]
    fault: {abort: {httpStatus: 503, percentage: {value: 10}}}`);
    expect(explainRequest(t, "GET", "http://local.test:8080/old?a=1", [])).toContain("redirect: → 302 Location: http://local.test:8080/new?a=1; nothing is forwarded, nothing is mirrored");
    expect(explainRequest(t, "GET", "http://local.test/healthz", [])).toContain('directResponse: → 200 with body "ok"; nothing is forwarded, nothing is mirrored');
    expect(explainRequest(t, "GET", "http://local.test/x", [])).toContain(
      'fault abort: 10 % of requests (random) are answered 503 "fault filter abort"; those are not forwarded and not mirrored',
    );
  });

  it("cors: says whether the Origin is allowed, and answers preflights at the edge", () => {
    const t = routes("cors", "cors.test", `  - route: [{destination: {host: httpbin, subset: v1}}]
    mirror: {host: httpbin, subset: v2}
    corsPolicy: {allowOrigins: [{exact: "https://app.test"}], allowMethods: [GET, POST], maxAge: 1h}`);
    const allowed = explainRequest(t, "GET", "http://cors.test/", [["origin", "https://app.test"]]);
    expect(allowed).toContain('cors: origins exact "https://app.test"; methods GET, POST; max age 3600 s');
    expect(allowed).toContain("response CORS headers: Access-Control-Allow-Origin: https://app.test, Vary: Origin");
    expect(explainRequest(t, "GET", "http://cors.test/", [["origin", "https://evil.test"]])).toContain(
      '  Origin "https://evil.test" is not allowed: the request passes through without CORS headers',
    );
    const preflight = explainRequest(t, "OPTIONS", "http://cors.test/", [["origin", "https://app.test"], ["access-control-request-method", "POST"]]);
    expect(preflight.at(-1)).toBe('  Origin "https://app.test" is allowed and this is a preflight: answered 200 at the edge; nothing is forwarded, nothing is mirrored');
  });

  it("refuses input the runtime would not accept", () => {
    const t = table(readFileSync("routes.yaml", "utf8"));
    expect(() => explainRequest(t, "GET", "ftp://httpbin/", [])).toThrow(ExplainInputError);
    expect(() => explainRequest(t, "GE T", "http://httpbin/", [])).toThrow(ExplainInputError);
    expect(() => explainRequest(t, "GET", "http://httpbin/", [["bad header", "x"]])).toThrow(ExplainInputError);
  });
});

describe("npm run explain (the CLI)", () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-mirror-explain-"));
  const cli = (...args: string[]) => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/tools/explain-cli.ts", ...args], { encoding: "utf8" });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  };

  it("prints the explanation on stdout and exits 0", () => {
    const { code, stdout, stderr } = cli("routes.yaml", "GET", "http://httpbin:8000/headers", "-H", "x-user: alice");
    expect(code).toBe(0);
    expect(stdout).toContain("X-Forwarded-Host: primary httpbin:8000, shadow httpbin-shadow:8000\n");
    expect(stderr).toBe("");
  });

  it("exits 1 with the problems, as check does, when the routes file has errors", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, readFileSync("routes.yaml", "utf8").replace("mirrorPercentage:", "mirorPercentage:"));
    const { code, stdout, stderr } = cli(bad, "GET", "http://httpbin:8000/headers");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain('unknown field "mirorPercentage"');
    expect(stderr).toContain("1 error(s)");
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ["missing arguments", ["routes.yaml", "GET"]],
    ["an unknown option", ["routes.yaml", "GET", "http://httpbin/", "--frobnicate"]],
    ["a header without a colon", ["routes.yaml", "GET", "http://httpbin/", "-H", "x-user"]],
    ["a URL that is not http(s)", ["routes.yaml", "GET", "mailto:someone@example.com"]],
    ["a missing routes file", [join(dir, "missing.yaml"), "GET", "http://httpbin/"]],
  ])("exits 2 on %s, with no stack trace", (_, args) => {
    const { code, stderr } = cli(...args);
    expect(code).toBe(2);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
