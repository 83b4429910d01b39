// The compiler: every validation, with its message, position and field path.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";

const BACKENDS = `
apiVersion: networking.istio.io/v1alpha3
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: httpbin
spec:
  hosts: [httpbin]
  resolution: STATIC
  ports:
  - {number: 8000, name: http, protocol: HTTP}
  endpoints:
  - {address: 127.0.0.1, ports: {http: 9081}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: 9082}, labels: {version: v2}}
`;

/** A VirtualService named vs for host httpbin, with the given http route (indented YAML). */
function vs(http: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
spec:
  hosts: [httpbin]
  http:
${http}
---${BACKENDS}`;
}

const ROUTE_V1 = `  - route:
    - destination: {host: httpbin, subset: v1}`;

function messages(yaml: string, severity: "error" | "warning" = "error"): string[] {
  return compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem);
}

function table(yaml: string) {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table;
}

describe("the seed walkthrough's YAML, unchanged", () => {
  it("compiles routes.yaml: v1 answers, v2 mirrored at 100 %", () => {
    const t = table(readFileSync("routes.yaml", "utf8"));
    const route = t.virtualHosts[0]!.routes[0]!;
    expect(t.hosts.exact).toEqual({ httpbin: 0 });
    expect(route.destinations).toEqual([{ cluster: { name: "httpbin/v1", origins: ["http://127.0.0.1:9081"] }, weight: 1 }]);
    expect(route.mirrors).toEqual([{ cluster: { name: "httpbin/v2", origins: ["http://127.0.0.1:9082"] }, perMillion: 1_000_000 }]);
  });

  it("is deterministic: the same input compiles to the same JSON", () => {
    const text = readFileSync("routes.yaml", "utf8");
    expect(JSON.stringify(table(text))).toBe(JSON.stringify(table(text)));
  });
});

describe("errors carry file, line, column, resource, field path and a fix", () => {
  it("undefined subset", () => {
    const yaml = vs(`${ROUTE_V1}
    mirror: {host: httpbin, subset: v3}`);
    expect(messages(yaml)).toEqual([
      'routes.yaml:10:37 error: VirtualService vs: spec.http[0].mirror.subset: subset "v3" is not defined in DestinationRule httpbin (defined: v1, v2)\n' +
        "    fix: add - name: v3 with its labels to DestinationRule httpbin, or use a defined subset",
    ]);
  });

  it("a typo in a field name is refused with a suggestion", () => {
    const yaml = vs(`${ROUTE_V1}
    mirror: {host: httpbin, subset: v2}
    mirorPercentage: {value: 50}`);
    expect(messages(yaml)).toEqual([
      'routes.yaml:11:5 error: VirtualService vs: spec.http[0].mirorPercentage: unknown field "mirorPercentage"\n    fix: did you mean "mirrorPercentage"?',
    ]);
  });

  it("YAML syntax errors give their position and no stack", () => {
    const [problem] = compileRoutes("apiVersion: networking.istio.io/v1\nkind: [VirtualService\n").problems;
    // The position of the cause, the "[" never closed, not of where the parser noticed it (line 3).
    expect(problem).toMatchObject({ severity: "error", line: 2, col: 7 });
    expect(problem!.message).toMatch(/^YAML syntax: /);
  });

  it("reports every error of the file in one run", () => {
    const yaml = vs(`${ROUTE_V1}
    mirror: {host: nowhere}
    timeout: soon`);
    expect(messages(yaml)).toHaveLength(2);
  });
});

describe("VirtualService validation (istio pkg/config/validation)", () => {
  it.each([
    ["spec.http[0].mirrorPercentage.value: must be between 0 and 100, found 100.5", `${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercentage: {value: 100.5}`],
    ["must be between 0 and 100, found -1", `${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercentage: {value: -1}`],
    ["spec.http[0].mirrorPercent: must be a whole number from 0 to 100, found 101", `${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercent: 101`],
    ["spec.http[0].mirrors[0].percentage.value: must be between 0 and 100", `${ROUTE_V1}\n    mirrors:\n    - destination: {host: httpbin, subset: v2}\n      percentage: {value: 200}`],
    ['spec.http[0].mirrors: cannot be used together with mirror (Istio: "HTTP route cannot contain both mirror and mirrors")', `${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrors:\n    - destination: {host: httpbin, subset: v2}`],
    ["spec.http[0].mirrorPercentage: has no effect without mirror", `${ROUTE_V1}\n    mirrorPercentage: {value: 10}`],
    ["spec.http[0].route[0].weight: must be a whole number ≥ 0, found -5", `  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: -5\n    - destination: {host: httpbin, subset: v2}\n      weight: 5`],
    ["spec.http[0].route: every destination has weight 0", `  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 0\n    - destination: {host: httpbin, subset: v2}\n      weight: 0`],
    ["must be a whole number ≥ 0, found 2.5", `  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 2.5`],
    ['spec.http[0].route[0].destination.host: no ServiceEntry registers host "nowhere" (registered: httpbin)', `  - route:\n    - destination: {host: nowhere}`],
    ["spec.http[0].route[0].destination.port: port 9999 is not declared by ServiceEntry httpbin (ports: 8000)", `  - route:\n    - destination: {host: httpbin, subset: v1, port: {number: 9999}}`],
    ["spec.http[0].route: is required", `  - mirror: {host: httpbin, subset: v2}`],
    ['spec.http[0].timeout: "soon" is not a duration', `${ROUTE_V1}\n    timeout: soon`],
    ["spec.http[0].timeout: must be at least 1ms", `${ROUTE_V1}\n    timeout: 0s`],
    ['spec.http[0].retries.retryOn: unknown retryOn condition "bogus"', `${ROUTE_V1}\n    retries: {attempts: 3, retryOn: "5xx,bogus"}`],
    ["spec.http[0].fault.abort.httpStatus: must be an HTTP status 200..599, found 700", `${ROUTE_V1}\n    fault: {abort: {httpStatus: 700, percentage: {value: 1}}}`],
    ["spec.http[0].match[0].sourceLabels: cannot apply at the edge", `  - match:\n    - sourceLabels: {app: sleep}\n    route:\n    - destination: {host: httpbin, subset: v1}`],
  ])("%#: %s", (expected, http) => {
    const found = messages(vs(http));
    expect(found.join("\n")).toContain(expected);
  });

  it("refuses tcp with the reason; gateways: [mesh] is Istio's default and compiles", () => {
    const yaml = vs(ROUTE_V1).replace("  hosts: [httpbin]", "  hosts: [httpbin]\n  gateways: [mesh]\n  tcp: []");
    expect(messages(yaml).join("\n")).toMatch(/spec.tcp: cannot apply at the edge: a Worker proxies HTTP requests only/);
    expect(messages(yaml).join("\n")).not.toContain("spec.gateways");
    expect(table(vs(ROUTE_V1).replace("  hosts: [httpbin]", "  hosts: [httpbin]\n  gateways: [mesh]")).hosts.exact).toEqual({ httpbin: 0 });
  });

  it("a refused sourceLabels says to rewrite the whole match block: removing only it would widen the block to every caller", () => {
    const found = compileRoutes(vs(`  - match:\n    - sourceLabels: {app: sleep}\n    fault: {abort: {httpStatus: 500, percentage: {value: 100}}}\n    route:\n    - destination: {host: httpbin, subset: v1}`)).problems;
    const problem = found.find((p) => p.path === "spec.http[0].match[0].sourceLabels");
    expect(problem?.fix).toContain("remove or rewrite the whole match block");
    expect(problem?.fix).toContain("removing only this condition would make the block match every caller");
    expect(problem?.fix).not.toBe("remove it");
  });

  it("accepts exportTo with a warning", () => {
    const yaml = vs(ROUTE_V1).replace("  hosts: [httpbin]", '  hosts: [httpbin]\n  exportTo: ["."]');
    expect(messages(yaml)).toEqual([]);
    expect(messages(yaml, "warning").join("\n")).toContain("spec.exportTo: [.]: applied as Istio's proxies in namespace default apply it; the worker applies it to every request for its hosts");
  });

  it("refuses a host routed by two VirtualServices, and malformed hosts", () => {
    const second = vs(ROUTE_V1).split("---")[0]!.replace("name: vs", "name: other").replace("[httpbin]", "[httpbin, 'http://x.com:80']");
    const found = messages(`${vs(ROUTE_V1)}\n---\n${second}`).join("\n");
    expect(found).toContain('VirtualService other: spec.hosts[0]: host "httpbin" is already routed by VirtualService vs');
    expect(found).toContain('spec.hosts[1]: "http://x.com:80" is not a host name');
  });

  it("needs at least one VirtualService", () => {
    expect(messages(BACKENDS)).toEqual([expect.stringContaining("no VirtualService or HTTPRoute found: nothing to route")]);
  });
});

describe("mirror percentages (Istio semantics)", () => {
  const mirrorWith = (extra: string) => table(vs(`${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}${extra}`)).virtualHosts[0]!.routes[0]!.mirrors;

  it("absent mirrorPercentage = 100 %", () => expect(mirrorWith("")[0]!.perMillion).toBe(1_000_000));
  it("0 = no mirror at all", () => expect(mirrorWith("\n    mirrorPercentage: {value: 0}")).toEqual([]));
  it("keeps 0.0001 % precision (value × 10 000)", () => expect(mirrorWith("\n    mirrorPercentage: {value: 0.0001}")[0]!.perMillion).toBe(1));
  it("empty Percent is 0 (proto3 default)", () => expect(mirrorWith("\n    mirrorPercentage: {}")).toEqual([]));

  it("deprecated mirrorPercent is accepted with a warning; mirrorPercentage wins", () => {
    const yaml = vs(`${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercent: 10\n    mirrorPercentage: {value: 20}`);
    expect(messages(yaml, "warning").join("\n")).toContain("mirrorPercent is deprecated");
    expect(table(yaml).virtualHosts[0]!.routes[0]!.mirrors[0]!.perMillion).toBe(200_000);
    expect(table(vs(`${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercent: 10`)).virtualHosts[0]!.routes[0]!.mirrors[0]!.perMillion).toBe(100_000);
  });

  it("mirrors: list order, absent percentage = 100 %, 0 drops the entry", () => {
    const yaml = vs(`${ROUTE_V1}\n    mirrors:\n    - destination: {host: httpbin, subset: v2}\n    - destination: {host: httpbin, subset: v1}\n      percentage: {value: 0}\n    - destination: {host: httpbin, subset: v1}\n      percentage: {value: 5}`);
    expect(table(yaml).virtualHosts[0]!.routes[0]!.mirrors.map((m) => [m.cluster.name, m.perMillion])).toEqual([
      ["httpbin/v2", 1_000_000],
      ["httpbin/v1", 50_000],
    ]);
  });

  it("a single destination gets all traffic whatever its weight; weight 0 gets none among several", () => {
    const single = table(vs(`  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 0`)).virtualHosts[0]!.routes[0]!;
    expect(single.destinations.map((d) => d.weight)).toEqual([1]);
    const several = table(vs(`  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 0\n    - destination: {host: httpbin, subset: v2}\n      weight: 3`)).virtualHosts[0]!.routes[0]!;
    expect(several.destinations.map((d) => [d.cluster.name, d.weight])).toEqual([["httpbin/v2", 3]]);
  });
});

describe("match blocks", () => {
  const matchErrors = (match: string) => messages(vs(`  - match:\n${match}\n    route:\n    - destination: {host: httpbin, subset: v1}`)).join("\n");

  it.each([
    ['header name "x user" is not a valid header name (Istio: an RFC 9110 token', "    - headers:\n        x user: {exact: a}"],
    ["has exact and prefix; a StringMatch takes exactly one", "    - uri: {exact: /a, prefix: /b}"],
    ["spec.http[0].match[0].uri: needs one of exact, prefix or regex", "    - uri: {}"],
    ["lookahead/lookbehind is not RE2 syntax", "    - uri: {regex: '/(?=a)'}"],
    ["backreferences are not RE2 syntax", "    - uri: {regex: '(a)\\1'}"],
    ["\\C (any single byte) is refused by Istio's RE2 validation", "    - uri: {regex: 'a\\C'}"],
    ["does not compile", "    - uri: {regex: '[a'}"],
    ["spec.http[0].match[0].queryParams.v.prefix: an empty prefix matches every value (Istio refuses it)", '    - queryParams:\n        v: {prefix: ""}'],
    ["spec.http[0].match[0].port: must be a port number 1..65535, found 70000", "    - port: 70000"],
  ])("%#: %s", (expected, match) => {
    expect(matchErrors(match)).toContain(expected);
  });

  it("compiles headers presence, withoutHeaders, queryParams and ignoreUriCase", () => {
    const yaml = vs(`  - match:\n    - uri: {prefix: /API}\n      ignoreUriCase: true\n      headers: {x-debug: {}}\n      withoutHeaders: {x-canary: {exact: "1"}}\n      queryParams: {v: {regex: "[0-9]+"}}\n    route:\n    - destination: {host: httpbin, subset: v1}`);
    expect(table(yaml).virtualHosts[0]!.routes[0]!.match).toEqual([
      {
        uri: { prefix: "/API", ignoreCase: true },
        headers: [{ name: "x-debug", match: { present: true } }],
        withoutHeaders: [{ name: "x-canary", match: { exact: "1" } }],
        queryParams: [{ name: "v", match: { regex: "[0-9]+" } }],
      },
    ]);
  });

  it("compiles a queryParams prefix (Istio 1.18 and later, istio/istio#43736)", () => {
    const yaml = vs(`  - match:\n    - queryParams: {v: {prefix: "2"}}\n    route:\n    - destination: {host: httpbin, subset: v1}`);
    expect(table(yaml).virtualHosts[0]!.routes[0]!.match[0]!.queryParams).toEqual([{ name: "v", match: { prefix: "2" } }]);
  });
});

describe("DestinationRule and ServiceEntry", () => {
  const withBackends = (backends: string, route = ROUTE_V1) => `${vs(route).split("---")[0]}---\n${backends}`;
  const DR = BACKENDS.split("---")[0]!;

  it("an endpoint must carry the subset's labels", () => {
    const se = `${DR}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  ports: [{number: 80, name: http}]
  resolution: DNS
  endpoints: [{address: v2.example.com, labels: {version: v2}}]`;
    expect(messages(withBackends(se)).join("\n")).toContain('spec.http[0].route[0].destination: subset "v1" (labels {"version":"v1"}) has no endpoint in ServiceEntry httpbin');
  });

  it("DNS resolution without endpoints uses the ServiceEntry hosts; https on 443 gives a plain URL", () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api}
spec:
  hosts: [api.example.com]
  http:
  - route: [{destination: {host: v1.origin.example.com}}]
    mirror: {host: v2.origin.example.com}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: origins}
spec:
  hosts: [v1.origin.example.com, v2.origin.example.com]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 443, name: https, protocol: HTTPS}]`;
    const route = table(yaml).virtualHosts[0]!.routes[0]!;
    expect(route.destinations[0]!.cluster.origins).toEqual(["https://v1.origin.example.com", "https://v2.origin.example.com"]);
  });

  it.each([
    ["spec.resolution: resolution NONE forwards to the original destination IP", "  resolution: NONE"],
    ['resolution STATIC needs IP addresses, found "v1.example.com"', "  resolution: STATIC\n  endpoints: [{address: v1.example.com, labels: {version: v1}}]"],
    ['spec.ports[0].protocol: unknown protocol "POSTGRES"', "  ports: [{number: 5432, name: pg, protocol: POSTGRES}]"],
    ["spec.http[0].route[0].destination: port 5432 of ServiceEntry httpbin cannot take this HTTP route: protocol TCP is not HTTP", "  ports: [{number: 5432, name: pg, protocol: TCP}]"],
    ["spec.addresses: cannot apply at the edge", "  addresses: [10.0.0.1]"],
    ["a Worker cannot reach unix domain sockets", "  endpoints: [{address: 'unix:///var/run/a.sock'}]"],
  ])("%#: %s", (expected, extra) => {
    const se = `${DR}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
${extra.includes("ports:") ? extra : `  ports: [{number: 80, name: http}]\n${extra}`}`;
    expect(messages(withBackends(se)).join("\n")).toContain(expected);
  });

  it("a destination must choose a port when the ServiceEntry has several", () => {
    const se = `${DR}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  ports: [{number: 80, name: http}, {number: 443, name: https}]
  resolution: DNS
  endpoints: [{address: a.example.com, labels: {version: v1}}]`;
    expect(messages(withBackends(se)).join("\n")).toContain("ServiceEntry httpbin has 2 ports, so the destination must choose one");
    const chosen = withBackends(se, `  - route:\n    - destination: {host: httpbin, subset: v1, port: {number: 443}}`);
    expect(table(chosen).virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins).toEqual(["https://a.example.com"]);
  });

  it("infers the protocol from the port name (http-…, https-…) and uses the endpoint's port override", () => {
    const se = `${DR}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  ports: [{number: 8443, name: https-api}]
  resolution: STATIC
  endpoints: [{address: "::1", ports: {https-api: 9443}, labels: {version: v1}}]`;
    expect(table(withBackends(se)).virtualHosts[0]!.routes[0]!.destinations[0]!.cluster.origins).toEqual(["https://[::1]:9443"]);
  });
});

describe("documents", () => {
  it("skips other kinds with a warning naming kind and name, so a whole manifest can be fed in", () => {
    const yaml = `${vs(ROUTE_V1)}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: httpbin-v1\nspec: {replicas: 1}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: httpbin}\nspec: {}\n`;
    const warnings = messages(yaml, "warning");
    expect(warnings).toEqual([
      expect.stringContaining("skipped Deployment httpbin-v1 (apps/v1)"),
      expect.stringContaining("skipped Service httpbin (v1)"),
    ]);
    expect(messages(yaml)).toEqual([]);
  });

  it("refuses an unknown Istio apiVersion and a resource without a name", () => {
    const bad = vs(ROUTE_V1).replace("networking.istio.io/v1\nkind: VirtualService", "networking.istio.io/v2\nkind: VirtualService");
    expect(messages(bad).join("\n")).toContain('apiVersion: unsupported apiVersion "networking.istio.io/v2"');
    const nameless = vs(ROUTE_V1).replace("metadata:\n  name: vs", "metadata: {}");
    expect(messages(nameless).join("\n")).toContain("metadata.name: is required");
  });

  it("reads a kubectl List", () => {
    const items = vs(ROUTE_V1).split("---").map((doc) => doc.trim().replace(/^/gm, "    ").replace(/^    /, "  - "));
    const list = `apiVersion: v1\nkind: List\nitems:\n${items.join("\n")}\n`;
    expect(table(list).virtualHosts.map((v) => v.name)).toEqual(["vs"]);
  });
});
