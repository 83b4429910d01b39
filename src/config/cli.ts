// Build-time entry point. `compile` turns routes.yaml into generated/routes.json
// for the worker (run by wrangler's [build] and before tests); `check` validates
// one or more routes files without writing anything, like `istioctl analyze`.
// Exit codes: 0 ok (warnings allowed), 1 config errors, 2 usage or I/O errors.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative } from "node:path";
import { compileRoutes } from "./compile";
import { formatProblem, type ConfigProblem } from "./errors";
import type { RouteTable } from "../routing/table";

const DEFAULT_OUT = "generated/routes.json";
const USAGE = "usage: tsx src/config/cli.ts compile [routes.yaml] [--out generated/routes.json]\n       tsx src/config/cli.ts check <routes.yaml>...";

function main(argv: string[]): number {
  const [command, ...rest] = argv;
  const outIndex = rest.indexOf("--out");
  const out = outIndex >= 0 ? rest[outIndex + 1] : DEFAULT_OUT;
  const files = outIndex >= 0 ? rest.filter((_, i) => i !== outIndex && i !== outIndex + 1) : rest;
  if (command === "compile") {
    const file = files[0] ?? process.env.EDGE_MIRROR_ROUTES ?? "routes.yaml";
    const table = compileFile(file);
    if (!table || !out) return table ? 2 : 1;
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(table, null, 2) + "\n");
    console.error(`edge-mirror: ${file} → ${out} (${summary(table)})`);
    return 0;
  }
  if (command === "check" && files.length > 0) {
    let failed = false;
    for (const file of files) {
      const table = compileFile(file);
      if (table) console.error(`edge-mirror: ${file} is valid (${summary(table)})`);
      else failed = true;
    }
    return failed ? 1 : 0;
  }
  console.error(USAGE);
  return 2;
}

function compileFile(file: string): RouteTable | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    console.error(`edge-mirror: cannot read ${file}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
    console.error("    fix: create it (see the README's routes.yaml reference) or pass the path of your routes file");
    return undefined;
  }
  const shown = relative(process.cwd(), file) || file;
  const { table, problems } = compileRoutes(text, shown);
  report(problems);
  return table;
}

function report(problems: ConfigProblem[]): void {
  const inFileOrder = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
  for (const p of inFileOrder) console.error(formatProblem(p));
  const errors = problems.filter((p) => p.severity === "error").length;
  if (errors > 0) console.error(`edge-mirror: ${errors} error(s); nothing was built`);
}

function summary(table: RouteTable): string {
  const routes = table.virtualHosts.flatMap((v) => v.routes);
  const mirrors = routes.reduce((n, r) => n + r.mirrors.length, 0);
  return `${table.virtualHosts.length} VirtualService(s), ${routes.length} route(s), ${mirrors} mirror(s)`;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  // Never a stack trace for the user: this is a bug in edge-mirror, not in their file.
  console.error(`edge-mirror: internal error while compiling routes: ${(e as Error).message}`);
  console.error("    please report it with the routes file that triggered it");
  process.exitCode = 2;
}
