// The shape of src/, checked: no import cycles, and the layers the code relies on.
// Every import of every file (import, import type, export … from, import(), and
// import("…") types) is read with TypeScript's own parser, so a comment or a
// string that looks like an import does not count and none is missed.
//
// The layers (docs/development.md, "Layout of the tree"):
// - src/routing is the pure decision step over the compiled table: it imports
//   nothing outside itself, so everything else can depend on it.
// - src/compare is pure comparison logic: it imports itself and the table's types.
// - What the worker runs (everything src/index.ts reaches, and the worker's folders)
//   never imports the build-time compiler (src/config), the Node tools (src/tools),
//   the YAML parser, re2js or a node: module: the route table arrives compiled.
// - src/config never imports src/tools (the tools use the compiler, not the reverse).
import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const ROOT = resolve(import.meta.dirname, "../..");

/** One import: the importing file, what it names (a src/ path, or a package), whether only types. */
export interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
    });
}

/** `../routing/table` from src/proxy/x.ts → `src/routing/table.ts`; a package stays as written. */
function resolveSpecifier(fromFile: string, specifier: string): string {
  if (!specifier.startsWith(".")) return specifier;
  const base = resolve(dirname(fromFile), specifier);
  const found = [base, `${base}.ts`, `${base}.tsx`, join(base, "index.ts")].find((p) => existsSync(p) && statSync(p).isFile());
  if (!found) throw new Error(`${relative(ROOT, fromFile)} imports ${JSON.stringify(specifier)}, which resolves to no file`);
  return relative(ROOT, found).split("\\").join("/");
}

/** Every import in `text` (a file at `file`), with TypeScript's parser. */
export function importsOf(file: string, text: string): Edge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const from = relative(ROOT, file).split("\\").join("/");
  const edges: Edge[] = [];
  const add = (literal: ts.Expression | undefined, typeOnly: boolean) => {
    if (literal && ts.isStringLiteral(literal)) edges.push({ from, to: resolveSpecifier(file, literal.text), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes =
        !!clause && (clause.isTypeOnly || (!clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier, onlyTypes);
    } else if (ts.isExportDeclaration(node)) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node.arguments[0], false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal as ts.Expression, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

/** The import graph of src/: file → its imports. */
export function importGraph(dir = join(ROOT, "src")): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  for (const file of sourceFiles(dir)) graph.set(relative(ROOT, file).split("\\").join("/"), importsOf(file, readFileSync(file, "utf8")));
  return graph;
}

/**
 * Every cycle, as the files on it in import order (Tarjan's strongly connected
 * components, then one concrete loop through each). Type-only imports count: a
 * circle of types is still two modules that cannot be understood one at a time.
 */
export function findCycles(graph: Map<string, Edge[]>): string[][] {
  const next = (v: string) => (graph.get(v) ?? []).map((e) => e.to).filter((to) => graph.has(to));
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next(v)) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || next(v).includes(v)) components.push(component);
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  // A loop inside each component, from its first file by name, for the message.
  return components.map((component) => {
    const inside = new Set(component);
    const start = [...component].sort()[0]!;
    const path = [start];
    const seen = new Set(path);
    for (let at = start; ; ) {
      const w = next(at).find((n) => inside.has(n) && (n === start || !seen.has(n)))!;
      if (w === start || w === undefined) return [...path, start];
      path.push(w);
      seen.add(w);
      at = w;
    }
  });
}

/** Every file `entry` reaches through value imports (what esbuild would bundle from it). */
function reachable(graph: Map<string, Edge[]>, entry: string): Set<string> {
  const seen = new Set<string>([entry]);
  const todo = [entry];
  while (todo.length) {
    for (const e of graph.get(todo.pop()!) ?? []) {
      if (!e.typeOnly && graph.has(e.to) && !seen.has(e.to)) {
        seen.add(e.to);
        todo.push(e.to);
      }
    }
  }
  return seen;
}

const WORKER_FOLDERS = ["src/routing/", "src/proxy/", "src/compare/", "src/observe/", "src/switch/", "src/admin/", "src/dashboard/"];
const WORKER_ENTRY = "src/index.ts";
/** Packages the compiler and the tools use, which the worker must never carry. */
const BUILD_TIME_PACKAGES = ["yaml", "re2js", "typescript"];

/** What a file of the worker may not import, or undefined when it may. */
function workerViolation(e: Edge): string | undefined {
  if (e.to.startsWith("src/config/")) return "the build-time compiler (src/config): the worker reads the compiled table";
  if (e.to.startsWith("src/tools/")) return "a Node tool (src/tools)";
  if (BUILD_TIME_PACKAGES.some((p) => e.to === p || e.to.startsWith(`${p}/`))) return `the build-time package ${e.to}`;
  if (e.to.startsWith("node:")) return `the Node module ${e.to}`;
  return undefined;
}


/** Every broken rule, one line each (`from → to: why`). */
export function layerViolations(graph: Map<string, Edge[]>): string[] {
  const problems: string[] = [];
  const worker = reachable(graph, WORKER_ENTRY);
  for (const [from, edges] of graph) {
    const inWorker = worker.has(from) || WORKER_FOLDERS.some((f) => from.startsWith(f));
    for (const e of edges) {
      const line = (why: string) => problems.push(`${from} → ${e.to}: ${why}`);
      if (inWorker) {
        const why = workerViolation(e);
        if (why) line(`the worker imports ${why}`);
      }
      if (from.startsWith("src/routing/") && e.to.startsWith("src/") && !e.to.startsWith("src/routing/"))
        line("src/routing is the pure decision step and imports only src/routing");
      if (from.startsWith("src/compare/") && e.to.startsWith("src/") && !e.to.startsWith("src/compare/") && !(e.to === "src/routing/table.ts" && e.typeOnly))
        line("src/compare is pure comparison logic: it imports src/compare and the table's types (import type … from ../routing/table)");
      if (from.startsWith("src/config/") && e.to.startsWith("src/tools/"))
        line("src/config is the compiler; the tools use it, not the reverse");
    }
  }
  return problems;
}

describe("src/ has no import cycles and keeps its layers", () => {
  const graph = importGraph();

  it("reads the whole tree (sanity: the parser found the files and their imports)", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("src/index.ts")!.map((e) => e.to)).toContain("src/app.ts");
    expect(reachable(graph, WORKER_ENTRY).has("src/routing/plan.ts")).toBe(true);
  });

  it("has no import cycle", () => {
    expect(findCycles(graph).map((cycle) => cycle.join(" → "))).toEqual([]);
  });

  it("keeps the layers: the worker never carries the compiler, routing and compare stay pure, config never imports tools", () => {
    expect(layerViolations(graph)).toEqual([]);
  });

});

describe("the checks themselves (each rule fails when broken)", () => {
  const graphOf = (files: Record<string, string[]>, typeOnly: string[] = []) =>
    new Map(Object.entries(files).map(([from, tos]) => [from, tos.map((to) => ({ from, to, typeOnly: typeOnly.includes(`${from}>${to}`) }))]));

  it("finds a cycle of two, of three and a self-import, and nothing in a tree", () => {
    const g = graphOf({
      "src/a.ts": ["src/b.ts"],
      "src/b.ts": ["src/a.ts"],
      "src/c.ts": ["src/d.ts"],
      "src/d.ts": ["src/e.ts"],
      "src/e.ts": ["src/c.ts", "yaml"],
      "src/f.ts": ["src/f.ts"],
      "src/g.ts": ["src/a.ts"],
    });
    expect(findCycles(g)).toEqual([
      ["src/a.ts", "src/b.ts", "src/a.ts"],
      ["src/c.ts", "src/d.ts", "src/e.ts", "src/c.ts"],
      ["src/f.ts", "src/f.ts"],
    ]);
    expect(findCycles(graphOf({ "src/a.ts": ["src/b.ts", "src/c.ts"], "src/b.ts": ["src/c.ts"], "src/c.ts": [] }))).toEqual([]);
  });

  it("counts a type-only circle as a cycle", () => {
    expect(findCycles(graphOf({ "src/a.ts": ["src/b.ts"], "src/b.ts": ["src/a.ts"] }, ["src/b.ts>src/a.ts"]))).toHaveLength(1);
  });

  it("reads every import form, and not an import in a comment or a string", () => {
    const file = join(ROOT, "src/proxy/pipeline.ts");
    const edges = importsOf(
      file,
      [
        'import { a } from "../routing/plan";',
        'import type { B } from "../routing/table";',
        'import { type C, type D } from "../routing/sample";',
        'export { e } from "./shadow";',
        'const f = await import("../observe/log");',
        'let g: import("../compare/types").Report;',
        '// import { h } from "../config/compile";',
        'const s = \'import { i } from "../tools/gate"\';',
      ].join("\n"),
    );
    expect(edges.map((e) => `${e.to}${e.typeOnly ? " (types)" : ""}`)).toEqual([
      "src/routing/plan.ts",
      "src/routing/table.ts (types)",
      "src/routing/sample.ts (types)",
      "src/proxy/shadow.ts",
      "src/observe/log.ts",
      "src/compare/types.ts (types)",
    ]);
  });

  it("reports the worker importing the compiler, a tool, yaml or node:, routing leaving itself, compare importing values, config importing tools", () => {
    const g = graphOf(
      {
        "src/index.ts": ["src/app.ts"],
        "src/app.ts": ["src/other/x.ts"],
        "src/other/x.ts": ["src/config/compile.ts", "yaml"],
        "src/proxy/y.ts": ["src/tools/gate.ts", "node:fs"],
        "src/routing/z.ts": ["src/proxy/y.ts"],
        "src/compare/w.ts": ["src/routing/table.ts", "src/routing/plan.ts"],
        "src/config/v.ts": ["src/tools/explain.ts"],
        "src/tools/u.ts": ["src/config/compile.ts", "yaml", "node:fs"],
      },
      ["src/compare/w.ts>src/routing/table.ts"],
    );
    expect(layerViolations(g).map((line) => line.split(": ")[0])).toEqual([
      "src/other/x.ts → src/config/compile.ts",
      "src/other/x.ts → yaml",
      "src/proxy/y.ts → src/tools/gate.ts",
      "src/proxy/y.ts → node:fs",
      "src/routing/z.ts → src/proxy/y.ts",
      "src/compare/w.ts → src/routing/plan.ts",
      "src/config/v.ts → src/tools/explain.ts",
    ]);
  });
});
