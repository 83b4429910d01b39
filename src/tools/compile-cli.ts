// Build-time entry point. `compile` turns routes.yaml into generated/routes.json
// for the worker (run by wrangler's [build] and before tests); `check` validates
// one or more routes files without writing anything, like `istioctl analyze`.
// Exit codes (src/tools/cli-runner.ts): 0 ok (warnings allowed), 1 errors in a
// routes file, 2 usage or I/O errors.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { compileFile, EXIT, ioFailure, runCli, UsageError, type ExitCode } from "./cli-runner";
import type { RouteTable } from "../routing/table";

const DEFAULT_OUT = "generated/routes.json";
// Named as users run them (package.json); wrangler's [build] runs `tsx src/tools/compile-cli.ts compile`.
const USAGE = `usage: npm run check -- <routes.yaml>...
         validates each file, writes nothing
       npm run build:routes [-- <routes.yaml>] [--out generated/routes.json]
         compiles one file (default: $EDGE_MIRROR_ROUTES, else routes.yaml) into the worker's route table
  exit codes: 0 ok (warnings allowed), 1 errors in a routes file, 2 usage or I/O problems (docs/cli.md)`;

await runCli({
  name: "edge-mirror",
  usage: USAGE,
  options: { out: { type: "string", default: DEFAULT_OUT } },
  reportWith: "the routes file that triggered it",
  run({ values, positionals: [command, ...files] }) {
    if (command === "compile") {
      if (files.length > 1) throw new UsageError(`build:routes compiles one routes file, got ${files.length}: ${files.join(" ")} (npm run check -- FILE... validates several)`);
      return compile(files[0] ?? process.env.EDGE_MIRROR_ROUTES ?? "routes.yaml", values.out);
    }
    if (command === "check") {
      if (files.length === 0) throw new UsageError("check needs at least one routes file, e.g. npm run check -- routes.yaml");
      return check(files);
    }
    throw new UsageError(command === undefined ? "missing command" : `unknown command "${command}"`);
  },
});

function compile(file: string, out: string): ExitCode {
  const { table, exitCode } = compileFile(file);
  if (!table) return exitCode;
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(table, null, 2) + "\n");
  } catch (e) {
    return ioFailure(`cannot write ${out}`, e, "pass a writable path with --out");
  }
  console.error(`edge-mirror: ${file} → ${out} (${summary(table)})`);
  return EXIT.OK;
}

/** Every file is checked; the exit code is the worst of them (an unreadable file beats one with errors). */
function check(files: string[]): ExitCode {
  let worst: ExitCode = EXIT.OK;
  for (const file of files) {
    const { table, exitCode } = compileFile(file);
    if (table) console.error(`edge-mirror: ${file} is valid (${summary(table)})`);
    worst = Math.max(worst, exitCode) as ExitCode;
  }
  return worst;
}

function summary(table: RouteTable): string {
  const routes = table.virtualHosts.flatMap((v) => v.routes);
  const mirrors = routes.reduce((n, r) => n + r.mirrors.length, 0);
  // A virtual host HTTPRoutes compiled to is one hostname they share, not a VirtualService.
  const hostnames = table.virtualHosts.filter((v) => v.httpRoutes).length;
  const services = `${table.virtualHosts.length - hostnames} VirtualService(s)${hostnames ? `, ${hostnames} HTTPRoute hostname(s)` : ""}`;
  return `${services}, ${routes.length} route(s), ${mirrors} mirror(s)`;
}
