// Headers as the compiler accepts them must be usable by the runtime, as Istio
// validates them (pkg/config/validation: ValidateHTTPHeaderNameOrJwtClaimRoute,
// ValidateHTTPHeaderValue, virtualservice.go validateHTTPRouteMatchRequest): match
// names (tokens, any case, pseudo-headers), null and empty matches, withoutHeaders'
// `regex: "*"`, header operation names and values with Envoy %VARIABLE%s, MirrorPolicy
// shadowHeaders, and the header names sampling and hashing read.
import { describe, expect, it } from "vitest";
import { compileRoutes } from "../../src/config/compile";
import { formatProblem } from "../../src/config/errors";
import type { Route } from "../../src/routing/table";
import { HTTPBIN_BACKENDS } from "../support/httpbin-backends";


function vs(http: string, extra = ""): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs}
spec:
  hosts: [httpbin]
  http:
${http}
---
${HTTPBIN_BACKENDS}${extra}`;
}

const ROUTE_V1 = `    route:
    - destination: {host: httpbin, subset: v1}`;
/** One route whose single match block is `match` (YAML flow mapping). */
const withMatch = (match: string) => vs(`  - match:\n    - ${match}\n${ROUTE_V1}`);
const withHeaders = (headers: string) => vs(`  - route:\n    - destination: {host: httpbin, subset: v1}\n    headers: ${headers}`);

function problems(yaml: string, severity: "error" | "warning" = "error"): string {
  return compileRoutes(yaml).problems.filter((p) => p.severity === severity).map(formatProblem).join("\n");
}

function firstRoute(yaml: string): Route {
  const result = compileRoutes(yaml);
  if (!result.table) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.table.virtualHosts[0]!.routes[0]!;
}

describe("header match names", () => {
  it("accepts upper-case names (istio.io's precedence example) and matches them as Envoy does, case-insensitively", () => {
    expect(firstRoute(withMatch("headers: {End-User: {exact: jason}}")).match[0]!.headers).toEqual([{ name: "end-user", match: { exact: "jason" } }]);
  });

  it("accepts Envoy's pseudo-headers, kept as they are for the runtime to read from the request", () => {
    const block = firstRoute(withMatch('headers: {":path": {prefix: /api}, ":method": {exact: GET}, ":authority": {regex: "httpbin(:8000)?"}, ":scheme": {exact: http}}')).match[0]!;
    expect(block.headers.map((h) => h.name)).toEqual([":path", ":method", ":authority", ":scheme"]);
    expect(firstRoute(withMatch('withoutHeaders: {":status": {}}')).match[0]!.withoutHeaders).toEqual([{ name: ":status", match: { present: true } }]);
  });

  it.each([
    ['header name "x user" is not a valid header name (Istio: an RFC 9110 token, or :path, :method, :authority, :scheme)', 'headers: {"x user": {exact: a}}'],
    ['header name ":foo" is not a valid header name', 'headers: {":foo": {exact: a}}'],
    ['header name "" is not a valid header name', 'withoutHeaders: {"": {}}'],
    ['"@request.auth.claims.group" routes on a JWT claim, which Istio reads from a token a RequestAuthentication has validated; nothing at the edge validates JWTs', 'headers: {"@request.auth.claims.group": {exact: admin}}'],
    ["fix: match a header your own authentication sets instead, or remove or rewrite the whole match block", 'headers: {"@request.auth.claims[sub]": {exact: a}}'],
  ])("%s", (expected, match) => {
    expect(problems(withMatch(match))).toContain(expected);
  });
});

describe("header match values", () => {
  it("a null value in headers is an error (Istio: header match … cannot be null), never a dropped condition", () => {
    expect(problems(vs(`  - match:\n    - headers:\n        x-canary:\n${ROUTE_V1}`))).toContain(
      'spec.http[0].match[0].headers.x-canary: header match "x-canary" cannot be null (Istio)',
    );
  });

  it("a null value in withoutHeaders is Istio's present_match: the block holds when the header is absent", () => {
    expect(firstRoute(vs(`  - match:\n    - withoutHeaders:\n        x-canary:\n${ROUTE_V1}`)).match[0]!.withoutHeaders).toEqual([{ name: "x-canary", match: { present: true } }]);
  });

  it('withoutHeaders {regex: "*"} is Istio\'s "present" idiom (not RE2: route.go canBeConvertedToPresentMatch)', () => {
    expect(firstRoute(withMatch('withoutHeaders: {x-debug: {regex: "*"}}')).match[0]!.withoutHeaders).toEqual([{ name: "x-debug", match: { present: true } }]);
    expect(problems(withMatch('headers: {x-debug: {regex: "*"}}'))).toContain('regex "*" does not compile: missing argument to repetition operator');
  });

  it.each([
    ["spec.http[0].match[0].headers.x-a.prefix: prefix string match should not be empty (Istio", 'headers: {x-a: {prefix: ""}}'],
    ["spec.http[0].match[0].withoutHeaders.x-a.prefix: prefix string match should not be empty", 'withoutHeaders: {x-a: {prefix: ""}}'],
    ["spec.http[0].match[0].headers.x-a.regex: regex string match should not be empty (Istio)", 'headers: {x-a: {regex: ""}}'],
    ["spec.http[0].match[0].uri.regex: regex string match should not be empty (Istio)", 'uri: {regex: ""}'],
    ["regex is too large: Istio allows at most 1024 characters, found 1025", `uri: {regex: "${"a".repeat(1025)}"}`],
  ])("%s", (expected, match) => {
    expect(problems(withMatch(match))).toContain(expected);
  });

  it("an empty exact still matches the empty value, and uri keeps Envoy's empty prefix", () => {
    expect(firstRoute(withMatch('headers: {x-a: {exact: ""}}')).match[0]!.headers).toEqual([{ name: "x-a", match: { exact: "" } }]);
    expect(firstRoute(withMatch('uri: {prefix: ""}')).match[0]!.uri).toEqual({ prefix: "" });
  });

  it("regexes are compiled to the JavaScript the worker runs, where it differs from the RE2 written", () => {
    const block = firstRoute(withMatch('uri: {regex: "\\\\A/v[[:digit:]]+/.*"}\n      headers: {x-id: {regex: "(?i)(?P<id>[a-f0-9]+)"}}\n      queryParams: {q: {regex: "a.b"}}')).match[0]!;
    expect(block.uri).toEqual({ regex: "\\A/v[[:digit:]]+/.*", js: "^/v[0-9]+/.*" });
    expect(block.headers[0]!.match).toEqual({ regex: "(?i)(?P<id>[a-f0-9]+)", js: "([a-f0-9]+)", ignoreCase: true });
    // A decoded query value may hold \r or U+2028, which JavaScript's `.` skips.
    expect(block.queryParams[0]!.match).toEqual({ regex: "a.b", js: "a[^\\n]b" });
  });
});

describe("header operation names and values", () => {
  it.each([
    ["spec.http[0].headers.request.add.: header name cannot be empty (Istio)", "{request: {add: {'': x}}}"],
    ['header name "x a" is not a valid HTTP header name', "{request: {set: {'x a': x}}}"],
    ['header name "x(a)" is not a valid HTTP header name', "{response: {remove: ['x(a)']}}"],
    ['header value "a\\r\\nb" contains the control character U+000D: Istio refuses it', '{request: {set: {x-a: "a\\r\\nb"}}}'],
    ['header value "a\\u0000" contains the control character U+0000', '{response: {add: {x-a: "a\\0"}}}'],
    ['header value "100%" has an un-escaped % at position 4: Envoy reads % as the start of a %VARIABLE% (write %% for a literal %)', "{request: {set: {x-a: '100%'}}}"],
    ['header value "abc%123" has an un-escaped % at position 4', "{request: {set: {x-a: 'abc%123'}}}"],
    ["%HOSTNAME% cannot apply at the edge: a Worker has no host name of its own", "{request: {set: {x-a: '%HOSTNAME%'}}}"],
    ["%UPSTREAM_REMOTE_ADDRESS% cannot apply at the edge: a Worker's fetch() does not expose which origin address answered", "{response: {set: {x-a: '%UPSTREAM_REMOTE_ADDRESS%'}}}"],
    ["%DOWNSTREAM_PEER_SUBJECT% cannot apply at the edge: TLS is terminated by Cloudflare", "{request: {add: {x-a: '%DOWNSTREAM_PEER_SUBJECT%'}}}"],
    ['%DYNAMIC_METADATA% cannot apply at the edge: Envoy metadata and filter state do not exist at the edge', "{request: {set: {x-a: '%DYNAMIC_METADATA([\"a\"])%'}}}"],
    ["%NOPE% is not an Envoy header variable edge-mirror knows", "{request: {set: {x-a: '%NOPE%'}}}"],
    ["%REQ% needs a header name, e.g. %REQ(x-user)%", "{request: {set: {x-a: '%REQ%'}}}"],
    ['%REQ% reads "x a", which is not a header name', "{request: {set: {x-a: '%REQ(x a)%'}}}"],
    ["%START_TIME% has a format field %Q edge-mirror does not implement", "{request: {set: {x-a: '%START_TIME(%Q)%'}}}"],
    ["fix: use literal text (%% for a literal %), or %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "{request: {set: {x-a: '%HOSTNAME%'}}}"],
  ])("%s", (expected, headers) => {
    expect(problems(withHeaders(headers))).toContain(expected);
  });

  it("%% is a literal %, and a value without variables stays a plain string", () => {
    expect(firstRoute(withHeaders("{request: {set: {X-Share: '100%%'}}}")).headers).toEqual({ request: { set: { "x-share": "100%" } } });
  });

  it("values with variables keep their text and get their parts, split at build time", () => {
    const headers = firstRoute(
      withHeaders(
        "{request: {set: {x-client: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%', x-trace: 'ua=%REQ(user-agent?x-ua):5%;p=%REQ_WITHOUT_QUERY(:PATH)%'}, add: {x-at: '%START_TIME(%s.%3f)%'}}, response: {set: {x-proto: '%PROTOCOL% 100%%', x-start: '%START_TIME%'}}}",
      ),
    ).headers!;
    expect(headers.request).toEqual({
      set: { "x-client": "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "x-trace": "ua=%REQ(user-agent?x-ua):5%;p=%REQ_WITHOUT_QUERY(:PATH)%" },
      add: { "x-at": "%START_TIME(%s.%3f)%" },
      formats: {
        set: {
          "x-client": [{ v: "client_ip" }],
          "x-trace": ["ua=", { v: "req", names: ["user-agent", "x-ua"], max: 5 }, ";p=", { v: "req", names: [":path"], withoutQuery: true }],
        },
        add: { "x-at": [{ v: "start_time", format: [{ t: "s" }, ".", { t: "f", digits: 3 }] }] },
      },
    });
    expect(headers.response!.formats).toEqual({ set: { "x-proto": [{ v: "protocol" }, " 100%"], "x-start": [{ v: "start_time" }] } });
  });

  it("an empty value does nothing, as in Envoy (Istio leaves keep_empty_value off): a warning, and no operation", () => {
    const yaml = withHeaders("{request: {set: {x-a: '', x-b: b}}}");
    expect(problems(yaml, "warning")).toContain("spec.http[0].headers.request.set.x-a: has an empty value: Envoy adds no header with an empty value");
    expect(firstRoute(yaml).headers).toEqual({ request: { set: { "x-b": "b" } } });
  });

  it("non-ASCII text is accepted (sent as UTF-8, as Envoy does), with a warning about the runtime's per-request log line", () => {
    const yaml = withHeaders("{request: {set: {x-city: 'Zürich'}}}");
    expect(problems(yaml, "warning")).toContain("spec.http[0].headers.request.set.x-city: has non-ASCII characters: they are sent as UTF-8");
    expect(firstRoute(yaml).headers).toEqual({ request: { set: { "x-city": "Zürich" } } });
  });

  it("destination-level operations are checked the same way", () => {
    expect(problems(vs(`  - route:\n    - destination: {host: httpbin, subset: v1}\n      headers: {request: {add: {'': x}}}`))).toContain(
      "spec.http[0].route[0].headers.request.add.: header name cannot be empty (Istio)",
    );
  });
});

describe("MirrorPolicy and DestinationRule header names", () => {
  const policy = (spec: string) => `\n---\napiVersion: edge-mirror.dev/v1alpha1\nkind: MirrorPolicy\nmetadata: {name: p}\nspec:\n  targetRef: {virtualService: vs}\n${spec}`;
  const mirrored = `  - route:\n    - destination: {host: httpbin, subset: v1}\n    mirror: {host: httpbin, subset: v2}`;

  it.each([
    ['spec.shadowHeaders.set.x a: header name "x a" is not a valid HTTP header name', "  shadowHeaders: {set: {'x a': '1'}}"],
    ['spec.shadowHeaders.remove[0]: header name "a b" is not a valid HTTP header name', "  shadowHeaders: {remove: ['a b']}"],
    ['header value "1\\n" contains the control character U+000A', "  shadowHeaders: {set: {x-s: \"1\\n\"}}"],
    ["%HOSTNAME% cannot apply at the edge", "  shadowHeaders: {set: {x-s: '%HOSTNAME%'}}"],
    ['spec.sampleKey.header: header name "x user" is not a valid HTTP header name', "  sampleKey: {header: 'x user'}"],
  ])("%s", (expected, spec) => {
    expect(problems(vs(mirrored, policy(spec)))).toContain(expected);
  });

  it("shadowHeaders set values get their variables compiled", () => {
    const shadow = firstRoute(vs(mirrored, policy("  shadowHeaders: {set: {X-Shadow-Of: '%DOWNSTREAM_REMOTE_ADDRESS%', x-plain: '50%%'}}"))).shadow;
    expect(shadow.setHeaders).toEqual({ "x-shadow-of": "%DOWNSTREAM_REMOTE_ADDRESS%", "x-plain": "50%" });
    expect(shadow.setFormats).toEqual({ "x-shadow-of": [{ v: "client_ip" }] });
  });

  it("consistentHash httpHeaderName must be a header name the runtime can read", () => {
    const yaml = vs(ROUTE_V1.replace("    route:", "  - route:")).replace(
      "  subsets:\n  - {name: v1",
      "  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: 'x user'}}}\n  subsets:\n  - {name: v1",
    );
    expect(problems(yaml)).toContain('spec.trafficPolicy.loadBalancer.consistentHash.httpHeaderName: header name "x user" is not a valid HTTP header name');
  });
});
