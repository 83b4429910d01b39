// schema/routes.schema.json, the editor schema for routes.yaml: every document
// edge-mirror accepts must validate, and typos and out-of-range values must not.
import { readFileSync } from "node:fs";
import Ajv, { type ErrorObject } from "ajv";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";

const schema = JSON.parse(readFileSync("schema/routes.schema.json", "utf8")) as object;
// Strict mode (Ajv's default) also checks the schema itself; `deprecationMessage` is the
// VS Code / yaml-language-server annotation, not a draft-07 keyword.
const ajv = new Ajv({ allErrors: true });
ajv.addVocabulary(["deprecationMessage"]);
const validate = ajv.compile(schema);

/** The non-empty documents of a YAML file, as plain values. */
function documents(text: string): unknown[] {
  return parseAllDocuments(text).flatMap((doc) => {
    expect(doc.errors).toEqual([]);
    const value: unknown = doc.toJS();
    return value === null || value === undefined ? [] : [value];
  });
}

function errorsOf(document: unknown): ErrorObject[] {
  return validate(document) ? [] : [...(validate.errors ?? [])];
}

function only(yaml: string): unknown {
  const [doc, ...rest] = documents(yaml);
  expect(rest).toEqual([]);
  return doc;
}

const VS = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  http:
${http}`;

const ROUTE_V1 = `  - route:
    - destination: {host: httpbin, subset: v1}`;

describe("every document of the project's routes files validates", () => {
  it.each([
    ["routes.yaml", readFileSync("routes.yaml", "utf8")],
    // A template: PORT_* are replaced by the origins' ports in global-setup.ts, as here.
    ["test/support/routes.integration.yaml", readFileSync("test/support/routes.integration.yaml", "utf8").replace(/PORT_[A-Z0-9]+/g, "9000")],
    // The Gateway API versions: the walkthrough, and the conformance ports' routes.
    ["routes.gateway-api.yaml", readFileSync("routes.gateway-api.yaml", "utf8")],
    ["test/support/routes.gateway-api.yaml", readFileSync("test/support/routes.gateway-api.yaml", "utf8").replace(/PORT_[A-Z0-9-]+/g, "9000")],
  ])("%s", (_, text) => {
    const docs = documents(text);
    expect(docs.length).toBeGreaterThan(2);
    for (const doc of docs) expect({ doc, errors: errorsOf(doc) }).toEqual({ doc, errors: [] });
  });
});

describe("documents of every kind edge-mirror reads", () => {
  it("accepts the new route fields, trafficPolicy and a MirrorPolicy", () => {
    const docs = documents(`${VS(`  - name: canary
    match:
    - uri: {prefix: /api/}
      scheme: {exact: https}
      port: 443
      headers: {x-user: {exact: alice}, x-debug: {}}
      queryParams: {v: {regex: "[0-9]+"}, p: {}}
    route:
    - destination: {host: httpbin, subset: v1}
      weight: 30
      headers: {request: {set: {x-v: "1"}}}
    - destination: {host: httpbin, subset: v2}
      weight: 70
    mirror: {host: httpbin, subset: v2}
    mirrorPercentage: {value: 12.5}
    timeout: 1m30s
    headers: {request: {set: {x-a: b}, add: {x-b: c}, remove: [x-c]}, response: {set: {x-d: e}}}
    rewrite: {uri: /v2/, authority: internal.example.com}
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: "5xx,connect-failure,503"}
    fault: {delay: {fixedDelay: 5s, percentage: {value: 10}}, abort: {httpStatus: 503, percentage: {value: 1}}}
    corsPolicy: {allowOrigins: [{exact: "https://a.example.com"}], allowMethods: [GET], maxAge: 24h, allowCredentials: true}
  - match: [{uri: {exact: /old}}]
    redirect: {uri: /new, authority: b.example.com, scheme: https, port: 8443, redirectCode: 308}
  - match: [{uri: {exact: /healthz}}]
    directResponse: {status: 200, body: {string: ok}}`)}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
  subsets:
  - {name: v1, labels: {version: v1}, trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: session}}}}}
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: httpbin-mirroring}
spec:
  targetRef: {virtualService: httpbin, route: canary}
  hostSuffix: false
  bodyCapBytes: 65536
  shadowHeaders: {remove: [authorization], set: {x-shadow: "1"}}
  methods: [GET, HEAD]
  sampleKey: {header: x-user}`);
    expect(docs).toHaveLength(3);
    for (const doc of docs) expect(errorsOf(doc)).toEqual([]);
  });

  it("accepts an Istio Gateway, a gateway-bound VirtualService and the trafficPolicy edge-mirror accepts with warnings", () => {
    const docs = documents(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: public, namespace: edge}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["*/api.example.com", "./*.example.com"]
    tls: {httpsRedirect: true}
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: api-cert, minProtocolVersion: TLSV1_2}
  - port: {number: 5432, name: pg, protocol: TCP}
    hosts: [db.example.com]
---
${VS(`  - match: [{uri: {prefix: /}, gateways: [edge/public]}]\n    route:\n    - destination: {host: httpbin}`).replace("  hosts: [httpbin]", "  hosts: [httpbin]\n  gateways: [edge/public, mesh]")}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin}
spec:
  host: httpbin
  trafficPolicy:
    tls: {mode: SIMPLE, sni: httpbin.example.com}
    connectionPool: {tcp: {maxConnections: 100, connectTimeout: 30ms}, http: {http1MaxPendingRequests: 10, h2UpgradePolicy: UPGRADE}}
    outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 100}
    portLevelSettings:
    - port: {number: 80}
      tls: {mode: DISABLE}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin}
spec:
  hosts: [httpbin]
  ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}, {number: 27017, name: mongo, protocol: MONGO}, {number: 9000, name: tcp-echo}]`);
    expect(docs).toHaveLength(4);
    for (const doc of docs) expect({ doc, errors: errorsOf(doc) }).toEqual({ doc, errors: [] });
  });

  it("allows any other kind (edge-mirror skips it with a warning), and reads a List's items", () => {
    expect(errorsOf(only("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: 1, whatever: [1]}"))).toEqual([]);
    const list = (spec: string) => only(`apiVersion: v1\nkind: List\nitems:\n- apiVersion: networking.istio.io/v1\n  kind: DestinationRule\n  metadata: {name: d}\n  spec: ${spec}`);
    expect(errorsOf(list("{host: httpbin}"))).toEqual([]);
    expect(errorsOf(list("{host: httpbin, hots: x}"))).not.toEqual([]);
  });
});

describe("rejections an editor flags as you type", () => {
  it("a typo: mirorPercentage", () => {
    const errors = errorsOf(only(VS(`${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirorPercentage: {value: 50}`)));
    expect(errors).toContainEqual(
      expect.objectContaining({ instancePath: "/spec/http/0", keyword: "additionalProperties", params: { additionalProperty: "mirorPercentage" } }),
    );
  });

  it("mirrorPercentage above 100", () => {
    const errors = errorsOf(only(VS(`${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrorPercentage: {value: 150}`)));
    expect(errors).toContainEqual(expect.objectContaining({ instancePath: "/spec/http/0/mirrorPercentage/value", keyword: "maximum" }));
  });

  it("a StringMatch with both exact and prefix", () => {
    const errors = errorsOf(only(VS(`  - match:\n    - uri: {exact: /a, prefix: /b}\n    route:\n    - destination: {host: httpbin}`)));
    expect(errors).toContainEqual(expect.objectContaining({ instancePath: "/spec/http/0/match/0/uri", keyword: "oneOf" }));
  });

  it("a MirrorPolicy with an unknown field", () => {
    const errors = errorsOf(only(`apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: {virtualService: httpbin}
  hostSufix: false`));
    expect(errors).toContainEqual(
      expect.objectContaining({ instancePath: "/spec", keyword: "additionalProperties", params: { additionalProperty: "hostSufix" } }),
    );
  });

  it.each([
    ["an Istio field refused at the edge (tcp)", VS(ROUTE_V1).replace("  http:", "  tcp: []\n  http:")],
    ["a match block selecting the caller by sourceLabels", VS(`  - match:\n    - sourceLabels: {app: sleep}\n    route:\n    - destination: {host: httpbin}`)],
    ["origin TLS mode MUTUAL (not supported yet)", `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\nspec:\n  host: h\n  trafficPolicy: {tls: {mode: MUTUAL}}`],
    ["a typo in connectionPool", `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\nspec:\n  host: h\n  trafficPolicy: {connectionPool: {tcp: {maxConections: 1}}}`],
    ["a Gateway server with bind", `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"], bind: 127.0.0.1}]`],
    ["a Gateway server asking for client certificates (MUTUAL)", `apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: g}\nspec:\n  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: ["*"], tls: {mode: MUTUAL}}]`],
    ["an unsupported Istio apiVersion", VS(ROUTE_V1).replace("networking.istio.io/v1", "networking.istio.io/v2")],
    ["a resource without metadata.name", VS(ROUTE_V1).replace("{name: httpbin}", "{labels: {}}")],
    // Upper case is accepted, as Istio does (Envoy matches names case-insensitively); a name must be a token.
    ["a header name that is not an HTTP token", VS(`  - match:\n    - headers: {"x user": {exact: a}}\n    route:\n    - destination: {host: httpbin}`)],
    ["an empty prefix on a query parameter (Istio refuses it; a prefix is accepted since Istio 1.18)", VS(`  - match:\n    - queryParams: {v: {prefix: ""}}\n    route:\n    - destination: {host: httpbin}`)],
    ["mirror together with mirrors", VS(`${ROUTE_V1}\n    mirror: {host: httpbin, subset: v2}\n    mirrors: [{destination: {host: httpbin, subset: v2}}]`)],
    ["route together with redirect", VS(`${ROUTE_V1}\n    redirect: {uri: /x}`)],
    ["a route with neither route, redirect nor directResponse", VS(`  - timeout: 1s`)],
    ["a timeout that is not a duration", VS(`${ROUTE_V1}\n    timeout: soon`)],
    ["a fractional weight", VS(`  - route:\n    - destination: {host: httpbin, subset: v1}\n      weight: 2.5`)],
    ["an abort status out of range", VS(`${ROUTE_V1}\n    fault: {abort: {httpStatus: 100, percentage: {value: 1}}}`)],
    ["a MirrorPolicy sampleKey with two keys", `apiVersion: edge-mirror.dev/v1alpha1\nkind: MirrorPolicy\nmetadata: {name: p}\nspec:\n  targetRef: {virtualService: v}\n  sampleKey: {header: a, cookie: b}`],
    ["a MirrorPolicy without targetRef.virtualService", `apiVersion: edge-mirror.dev/v1alpha1\nkind: MirrorPolicy\nmetadata: {name: p}\nspec:\n  targetRef: {route: r}`],
    ["resolution NONE", `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s}\nspec:\n  hosts: [s]\n  ports: [{number: 80, name: http}]\n  resolution: NONE`],
    ["STATIC with a host name", `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s}\nspec:\n  hosts: [s]\n  ports: [{number: 80, name: http}]\n  resolution: STATIC\n  endpoints: [{address: v1.example.com}]`],
    ["a port protocol Istio does not know", `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: s}\nspec:\n  hosts: [s]\n  ports: [{number: 5432, name: pg, protocol: POSTGRES}]`],
    ["an unknown load balancer", `apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: d}\nspec:\n  host: h\n  trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}`],
  ])("%s", (_, yaml) => {
    expect(errorsOf(only(yaml))).not.toEqual([]);
  });
});

describe("the Gateway API dialect", () => {
  const route = (rule: string) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw}]
  rules:
  - ${rule}`;

  it("refuses what the compiler refuses: a typo, an ExtensionRef, a weight out of range, an IP hostname", () => {
    expect(errorsOf(only(route("{backendRef: [{name: v1, port: 80}]}")))).not.toEqual([]);
    expect(errorsOf(only(route("{filters: [{type: ExtensionRef, extensionRef: {group: x, kind: y, name: z}}]}")))).not.toEqual([]);
    expect(errorsOf(only(route("{backendRefs: [{name: v1, port: 80, weight: 1000001}]}")))).not.toEqual([]);
    expect(errorsOf(only(route("{backendRefs: [{name: v1, port: 80}]}").replace("parentRefs:", "hostnames: [10.0.0.1]\n  parentRefs:")))).not.toEqual([]);
  });

  it("accepts a MirrorPolicy targeting an HTTPRoute rule, and refuses mixing the two targetRef forms", () => {
    const policy = (targetRef: string) => `apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: p}
spec:
  targetRef: ${targetRef}`;
    expect(errorsOf(only(policy("{kind: HTTPRoute, name: shop, rule: checkout}")))).toEqual([]);
    expect(errorsOf(only(policy("{kind: HTTPRoute, name: shop, virtualService: vs}")))).not.toEqual([]);
  });
});
