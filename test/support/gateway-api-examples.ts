// The Gateway API examples corpus (test/fixtures/gateway-api-examples): each example
// as one routes file, plus what the cluster it was written for would know and a
// routes file cannot: the Services its routes use (as ExternalName Services, so each
// has an origin) and the Gateways they attach to, when the example leaves them out.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";

export const EXAMPLES = fileURLToPath(new URL("../fixtures/gateway-api-examples/standard/", import.meta.url));

/**
 * Example file (`dir/file.yaml`) → its text, after the Namespaces of 0-namespaces.yaml
 * (their labels admit routes to listeners). A file in a directory is applied with the
 * Gateways, Namespaces and Services its siblings define (as the directory's guide
 * applies them), not with the sibling routes, which are often other versions of it.
 */
export function exampleUnits(): Record<string, string> {
  const units: Record<string, string> = {};
  for (const entry of readdirSync(EXAMPLES).sort()) {
    const path = `${EXAMPLES}${entry}`;
    if (!statSync(path).isDirectory()) {
      if (entry.endsWith(".yaml")) units[entry] = entry === NAMESPACES ? readFileSync(path, "utf8") : [readFileSync(path, "utf8"), ...namespaces(keys(readFileSync(path, "utf8")))].join("\n---\n");
      continue;
    }
    const files = readdirSync(path).filter((f) => f.endsWith(".yaml")).sort();
    for (const file of files) {
      const text = readFileSync(`${path}/${file}`, "utf8");
      const own = keys(text);
      const context = files
        .filter((f) => f !== file)
        .flatMap((f) => parseAllDocuments(readFileSync(`${path}/${f}`, "utf8")))
        .filter((d) => {
          const js = d.toJS() as Doc | null;
          return js && CONTEXT_KINDS.includes(js.kind ?? "") && !own.has(keyOf(js));
        })
        .map((d) => String(d));
      units[`${entry}/${file}`] = [text, ...context, ...namespaces(own)].join("\n---\n");
    }
  }
  return units;
}

const CONTEXT_KINDS = ["Gateway", "Namespace", "Service"];

/** The examples' namespaces, applied before every example (its name sorts first). */
const NAMESPACES = "0-namespaces.yaml";

/** The Namespaces of 0-namespaces.yaml a file does not define itself. */
function namespaces(own: Set<string>): string[] {
  return parseAllDocuments(readFileSync(`${EXAMPLES}${NAMESPACES}`, "utf8"))
    .filter((d) => {
      const js = d.toJS() as Doc | null;
      return js?.kind === "Namespace" && !own.has(keyOf(js));
    })
    .map((d) => String(d));
}

interface Doc {
  kind?: string;
  apiVersion?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: Record<string, unknown>;
}

const keyOf = (d: Doc) => `${d.kind}/${d.metadata?.namespace ?? "default"}/${d.metadata?.name}`;

function keys(text: string): Set<string> {
  return new Set(parseAllDocuments(text).flatMap((d) => {
    const js = d.toJS() as Doc | null;
    return js?.kind ? [keyOf(js)] : [];
  }));
}

interface Ref {
  kind?: string;
  group?: string;
  name?: string;
  namespace?: string;
  port?: number;
}

/** The example with an ExternalName Service for each missing Service, and a Gateway for each missing Gateway. */
export function withCluster(text: string): string {
  const docs = parseAllDocuments(text).map((d) => d.toJS() as Doc | null);
  const defined = keys(text);
  const added = new Map<string, string>();
  for (const d of docs) {
    if (d?.kind !== "HTTPRoute" || !d.apiVersion?.startsWith("gateway.networking.k8s.io/")) continue;
    const ns = d.metadata?.namespace ?? "default";
    for (const p of (d.spec?.parentRefs as Ref[] | undefined) ?? []) {
      if ((p.kind ?? "Gateway") !== "Gateway" || !p.name) continue;
      const key = `Gateway/${p.namespace ?? ns}/${p.name}`;
      if (!defined.has(key) && !added.has(key))
        added.set(key, `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: ${p.name}, namespace: ${p.namespace ?? ns}}\nspec:\n  gatewayClassName: edge\n  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]\n`);
    }
    for (const ref of backendRefs(d.spec)) {
      if ((ref.kind ?? "Service") !== "Service" || (ref.group ?? "") !== "" || !ref.name) continue;
      const rns = ref.namespace ?? ns;
      const key = `Service/${rns}/${ref.name}`;
      if (!defined.has(key) && !added.has(key))
        added.set(key, `apiVersion: v1\nkind: Service\nmetadata: {name: ${ref.name}, namespace: ${rns}}\nspec: {type: ExternalName, externalName: ${ref.name}.${rns}.origin.example}\n`);
    }
  }
  return [text, ...added.values()].join("\n---\n");
}

function backendRefs(spec: Record<string, unknown> | undefined): Ref[] {
  const out: Ref[] = [];
  const walk = (v: unknown, key?: string) => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === "object") {
      if (key === "backendRefs" || key === "backendRef") out.push(v as Ref);
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(spec);
  return out;
}
