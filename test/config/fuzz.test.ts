// Fuzz (fixed seed): nothing a routes file says may make the compiler, the decision
// step or the header operations throw. Documents are generated from
// schema/routes.schema.json (steered towards names that resolve, so many compile)
// and made by mutating the repository's valid routes files; every table that compiles
// is then asked to plan a handful of generated requests (src/routing/plan.ts), and the
// header operations of each plan are applied to real Headers (Node has them); `npm run
// explain` describes each request too.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, stringify } from "yaml";
import { compileRoutes } from "../../src/config/compile";
import { planRequest } from "../../src/routing/plan";
import { requestFacts } from "../../src/routing/request-facts";
import type { RouteTable } from "../../src/routing/table";
import { applyHeaderOps, applyShadowHeaders, withResponseOps, type FormatContext } from "../../src/proxy/header-ops";
import { explainRequest } from "../../src/tools/explain";
import { explainJson } from "../../src/tools/explain-json";
import { HTTPBIN_BACKENDS } from "../support/httpbin-backends";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = { [key: string]: unknown };

const SEED = 10_2026;
const SCHEMA = JSON.parse(readFileSync("schema/routes.schema.json", "utf8")) as Schema & { definitions: Record<string, Schema> };

/** mulberry32: small, fast, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const chance = (p: number) => random() < p;

// Values that have broken, or could break, the compiler or the runtime. (Node's Headers
// takes Latin-1 values only; workerd's take any text and send UTF-8, as Envoy does:
// test/integration/edge-syntax.test.ts checks that, so no "€" here.)
const HEADER_NAMES = ["x-user", "X-User", "End-User", ":path", ":method", ":authority", ":scheme", ":status", ":foo", "x user", "", "@request.auth.claims.sub", "ü", "cookie", "host", "x-request-id", "content-type"];
const REGEXES = ["(?i)a.*", "\\A/x\\z", "[[:digit:]]+", "*", "(?P<n>x)", "\\pN+", "(?=x)", "[", "\\C", "", ".*", "(?i:a)b", "[^\\PC]", "\\Q.*\\E", "a{,2}", "(?m)^a$", "[]a]", "(a)\\1", "x{1001}", "é+", "(?s).", "/v[0-9]+/.*"];
const HEADER_VALUES = ["%DOWNSTREAM_REMOTE_ADDRESS%", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", "%REQ(:path)%", "%REQ(x-user?cookie):3%", "100%", "100%%", "%%", "a\r\nb", "é", "%START_TIME(%s.%3f)%", "%START_TIME%", "%PROTOCOL%", "%HOSTNAME%", "%REQ(x y)%", "", "plain", "%"];
const STRINGS = ["", "a", "/", "/api", "*", "x".repeat(300), "%", "\u2028", "😀", "null", "1", "-1", "0.5", "1s", "250ms", "http", "https", "GET", "v1", "v2", "httpbin", "*.test"];

/** A random value for a property, steered by its name so references resolve and the interesting checks run. */
function hinted(key: string | undefined): Json | undefined {
  switch (key) {
    case "host":
      return chance(0.9) ? "httpbin" : pick(STRINGS);
    case "subset":
      return chance(0.9) ? pick(["v1", "v2"]) : pick(STRINGS);
    case "hosts":
      return [pick(["a.test", "*.b.test", "httpbin", "c.test", "*"])];
    case "regex":
      return chance(0.8) ? pick(REGEXES) : undefined;
    case "timeout":
    case "perTryTimeout":
    case "fixedDelay":
    case "maxAge":
      return pick(["1s", "250ms", "1m30s", "0.5ms", "x"]);
    case "name":
      return pick(["vs", "route", "v1", "v2", "n"]);
    case "virtualService":
      return "vs";
    default:
      return undefined;
  }
}

/** Fields that (rightly) stop most documents from compiling: generated rarely, so enough tables get planned. */
const RARE = new Set([
  "gateways", "delegate", "tcp", "tls", "sourceLabels", "sourceNamespace", "redirect", "directResponse", "exportTo", "mirrors", "retryBudget", "portLevelSettings",
  "mirrorPercentage", "mirrorPercent", "fault", "rewrite", "kind",
]);

function ref(schema: Schema): Schema {
  const r = schema.$ref as string | undefined;
  return r ? ref(SCHEMA.definitions[r.replace("#/definitions/", "")]!) : schema;
}

/** A value following the schema, loosely: sometimes a wrong type, sometimes an extra key. */
function generate(raw: Schema, depth: number, key?: string): Json {
  const schema = ref(raw);
  const hint = hinted(key);
  if (hint !== undefined) return hint;
  if (chance(0.03)) return pick<Json>([null, 1, "x", [], {}, true]);
  if ("const" in schema) return schema.const as Json;
  if (Array.isArray(schema.enum)) return pick(schema.enum as Json[]);
  const variants = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (variants && !schema.type && !schema.properties) return generate(pick(variants), depth, key);
  const type = Array.isArray(schema.type) ? pick(schema.type as string[]) : (schema.type as string | undefined);
  switch (type) {
    case "object": {
      const out: { [k: string]: Json } = {};
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      // "exactly one of" (oneOf / anyOf of required lists): take one variant's fields.
      const variant = variants ? (pick(variants).required as string[] | undefined) : undefined;
      const required = [...((schema.required ?? []) as string[]), ...(chance(0.9) ? (variant ?? []) : [])];
      if (depth > 0)
        for (const [name, sub] of Object.entries(properties)) if (required.includes(name) || (!variant && chance(RARE.has(name) ? 0.03 : 0.2))) out[name] = generate(sub, depth - 1, name);
      const extra = schema.additionalProperties;
      if (extra && typeof extra === "object" && depth > 0) {
        const headerish = key === "headers" || key === "withoutHeaders" || key === "set" || key === "add" || key === "queryParams" || key === "labels";
        for (let i = Math.floor(random() * 3); i > 0; i--) {
          const name = headerish ? pick(HEADER_NAMES) : pick(["a", "version", "x-k"]);
          out[name] = key === "set" || key === "add" ? pick(HEADER_VALUES) : generate(extra as Schema, depth - 1, name);
        }
      }
      if (chance(0.05)) out[pick(["typo", "mirorPercentage", "gateways", "delegate"])] = "x";
      return out;
    }
    case "array": {
      const items = (schema.items ?? {}) as Schema;
      const n = depth > 0 ? Math.floor(random() * 3) + (((schema.minItems as number) ?? 0) > 0 || key === "http" || key === "route" ? 1 : 0) : 0;
      return Array.from({ length: n }, () => generate(items, depth - 1, key === "remove" ? "x-k" : undefined));
    }
    case "string":
      if (key === "remove" || key === "allowHeaders" || key === "exposeHeaders") return pick(HEADER_NAMES);
      return pick(STRINGS);
    case "integer":
    case "number": {
      const min = (schema.minimum as number | undefined) ?? 0;
      const max = (schema.maximum as number | undefined) ?? 100_000;
      return chance(0.1) ? pick([-1, 1.5, 1e12, 0]) : Math.round(min + random() * Math.min(max - min, 100_000));
    }
    case "boolean":
      return chance(0.5);
    default:
      return pick<Json>(["x", 1, true, null, {}]);
  }
}

/**
 * A whole VirtualService from the schema; or, half the time, a valid route with one to
 * three of HTTPRoute's fields (and a match block) generated from the schema, so that
 * enough documents compile for their tables to be planned.
 */
function schemaDocument(): string {
  const docs: Json[] = [];
  const vs = chance(0.5) ? generate(SCHEMA.definitions.VirtualService!, 12) : graftedVirtualService();
  if (vs && typeof vs === "object" && !Array.isArray(vs) && vs.metadata && typeof vs.metadata === "object" && !Array.isArray(vs.metadata)) vs.metadata.name = "vs";
  docs.push(vs);
  if (chance(0.4)) {
    const policy = generate(SCHEMA.definitions.MirrorPolicy!, 6);
    if (policy && typeof policy === "object" && !Array.isArray(policy) && policy.spec && typeof policy.spec === "object" && !Array.isArray(policy.spec)) policy.spec.targetRef = { virtualService: "vs" };
    docs.push(policy);
  }
  if (chance(0.2)) docs.push(generate(pick([SCHEMA.definitions.DestinationRule!, SCHEMA.definitions.ServiceEntry!, SCHEMA.definitions.Gateway!]), 6));
  return `${docs.map((d) => stringify(d)).join("---\n")}---\n${HTTPBIN_BACKENDS}`;
}

function graftedVirtualService(): Json {
  const routeSchema = SCHEMA.definitions.HTTPRoute!;
  const fields = Object.keys(routeSchema.properties as object).filter((k) => !["route", "redirect", "directResponse", "delegate", "mirrors", "mirrorPercent"].includes(k));
  const route: { [k: string]: Json } = { route: [{ destination: { host: "httpbin", subset: pick(["v1", "v2"]) } }] };
  for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
    const field = pick(fields);
    route[field] = generate((routeSchema.properties as Record<string, Schema>)[field]!, 6, field);
  }
  route.match = [generate(SCHEMA.definitions.HTTPMatchRequest!, 4)];
  if (chance(0.5) || "mirrorPercentage" in route) route.mirror = { host: "httpbin", subset: "v2" };
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: { name: "vs" },
    spec: { hosts: [pick(["a.test", "*.b.test", "httpbin"])], http: [route, { route: [{ destination: { host: "httpbin", subset: "v1" } }] }] },
  };
}

const VALID_FILES = [
  readFileSync("routes.yaml", "utf8"),
  readFileSync("test/support/routes.integration.yaml", "utf8").replace(/PORT_[A-Z0-9_]+/g, () => String(9000 + Math.floor(random() * 1000))),
  readFileSync("test/edge/support/routes.edge.yaml", "utf8").replace(/PORT_[A-Z0-9_]+/g, () => String(9000 + Math.floor(random() * 1000))),
].map((text) => parseAllDocuments(text).map((d) => d.toJS() as Json));

/** One valid file with a few random changes: a key dropped, a value replaced, a name made odd. */
function mutatedDocument(): string {
  const docs = structuredClone(pick(VALID_FILES));
  for (let n = 1 + Math.floor(random() * 4); n > 0; n--) mutate(pick(docs), 0);
  return docs.map((d) => stringify(d)).join("---\n");
}

function mutate(node: Json, depth: number): void {
  if (node === null || typeof node !== "object") return;
  const keys = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
  if (keys.length === 0) return;
  const key = pick(keys as (string | number)[]);
  const container = node as Record<string | number, Json>;
  const child = container[key]!;
  if (child !== null && typeof child === "object" && chance(0.7) && depth < 12) return mutate(child, depth + 1);
  const r = random();
  if (r < 0.2 && !Array.isArray(node)) delete container[key];
  else if (r < 0.35 && !Array.isArray(node)) {
    // Rename the key: header names are the keys of headers / set / add / withoutHeaders.
    const value = container[key]!;
    delete container[key];
    container[pick(HEADER_NAMES)] = value;
  } else if (typeof child === "string") container[key] = pick([...STRINGS, ...REGEXES, ...HEADER_VALUES]);
  else container[key] = pick<Json>([null, 0, -5, 1.5, "x", "", true, {}, [], pick(REGEXES), pick(HEADER_VALUES)]);
}

/** Header names a table's matches read, so generated requests sometimes satisfy them. */
function namesIn(table: RouteTable): string[] {
  const names = new Set<string>(["x-user", "cookie", "origin"]);
  for (const vh of table.virtualHosts)
    for (const route of vh.routes) for (const block of route.match) for (const h of [...block.headers, ...block.withoutHeaders]) if (!h.name.startsWith(":")) names.add(h.name);
  return [...names];
}

function hostsOf(table: RouteTable): string[] {
  return [...Object.keys(table.hosts.exact), ...table.hosts.wildcards.map((w) => `x${w.suffix}`), "unknown.example", "httpbin:8000", "[::1]:8080"];
}

const PATHS = ["/", "/api/items", "/search?q=42", "/old/a/b", "/v1/x?y=%0D&z=%E2%80%A8", "/items/ABC-42", "/debug", "/%2F%2e%2e", "/anything?x=1&x=2"];
const METHODS = ["GET", "POST", "OPTIONS", "HEAD", "PUT", "CONNECT", "DELETE"];
const REQUEST_VALUES = ["alice", "jason", "", "1", "a=1; b=2", "203.0.113.7", "https://app.example", "websocket", "ünïcode", "x".repeat(50)];

/** Plans a few requests against a table; applies each plan's header operations. Returns what threw. */
function exercise(table: RouteTable): string[] {
  const failures: string[] = [];
  const names = namesIn(table);
  const hosts = hostsOf(table);
  for (let i = 0; i < 6; i++) {
    const method = pick(METHODS);
    const url = `${pick(["http", "https"])}://${pick(hosts)}${pick(PATHS)}`;
    const headers = new Headers();
    for (let n = Math.floor(random() * 4); n > 0; n--) headers.set(pick(names), pick(REQUEST_VALUES));
    if (chance(0.5)) headers.set("cf-connecting-ip", pick(["203.0.113.7", "2001:db8::1"]));
    if (method === "OPTIONS" && chance(0.5)) headers.set("access-control-request-method", "POST");
    const hasBody = method === "POST" || method === "PUT";
    if (hasBody && chance(0.5)) headers.set("content-length", String(Math.floor(random() * 4_000_000)));
    const draw = random();
    try {
      const facts = requestFacts(method, url, headers, hasBody);
      const plan = planRequest(table, facts, { random: () => draw, capPerMillion: pick([0, 500_000, 1_000_000]) });
      // `npm run explain` describes the same decision: it must not throw either.
      explainRequest(table, method, url, [...headers], { random: draw });
      explainJson(table, method, url, [...headers], { random: draw });
      if (plan.action === "refuse") continue;
      const format: FormatContext = { facts, startedMs: Date.now(), protocol: () => "HTTP/2", request: headers };
      const out = new Headers(headers);
      applyHeaderOps(out, plan.route.headers?.request, format);
      applyShadowHeaders(new Headers(out), plan.route.shadow, format);
      if (plan.action === "forward") applyHeaderOps(out, plan.destination.headers?.request, format);
      withResponseOps(new Response("ok"), { ...format, request: out }, plan.route.headers?.response, plan.action === "forward" ? plan.destination.headers?.response : undefined);
    } catch (e) {
      failures.push(`${method} ${url} ${JSON.stringify([...headers])}: ${(e as Error).stack ?? e}`);
    }
  }
  return failures;
}

describe("fuzz (fixed seed): the compiler and the decision step never throw", () => {
  for (const [name, make, cases] of [
    ["random documents built from schema/routes.schema.json", schemaDocument, 250],
    ["mutations of routes.yaml, the integration routes and the edge routes", mutatedDocument, 250],
  ] as const) {
    it(`${name}: ${cases} cases`, { timeout: 30_000 }, () => {
      const failures: string[] = [];
      let compiled = 0;
      for (let i = 0; i < cases; i++) {
        const yaml = make();
        let table: RouteTable | undefined;
        try {
          table = compileRoutes(yaml).table;
        } catch (e) {
          failures.push(`compileRoutes threw on case ${i}: ${(e as Error).stack}\n${yaml}`);
          continue;
        }
        if (!table) continue;
        compiled++;
        failures.push(...exercise(table).map((f) => `case ${i}: ${f}\n${yaml.slice(0, 2000)}`));
      }
      expect(failures.slice(0, 3)).toEqual([]);
      // Enough of them compile for the decision step to be exercised.
      expect(compiled).toBeGreaterThan(cases / 10);
    });
  }
});
