// src/tools/cli-runner.ts, the shared behaviour of edge-mirror's command-line tools:
// argument parsing, exit codes, routes-file reading and problem reports, and the
// "never a stack trace" wrapper.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { compileFile, EXIT, printProblems, runCli, UsageError } from "../../src/tools/cli-runner";
import type { ConfigProblem } from "../../src/config/errors";

const dir = mkdtempSync(join(tmpdir(), "edge-mirror-runner-"));
/** A directory holding two routes files (and a file that is not one). */
const routesDir = mkdtempSync(join(tmpdir(), "edge-mirror-routes-dir-"));
for (const name of ["b.yml", "a.yaml", "notes.txt"]) writeFileSync(join(routesDir, name), "kind: VirtualService\n");
const USAGE = "usage: tool <file> [-H 'name: value']...";

let stdout: string[];
let stderr: string[];
let exitCodeBefore: typeof process.exitCode;

beforeEach(() => {
  stdout = [];
  stderr = [];
  exitCodeBefore = process.exitCode;
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void stdout.push(args.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void stderr.push(args.join(" ")));
});

afterEach(() => {
  vi.restoreAllMocks();
  // runCli sets the process's exit code; the test run's own must not change.
  process.exitCode = exitCodeBefore;
});

describe("runCli", () => {
  it("hands parsed options and positionals to run, and returns (and sets) its exit code", async () => {
    const seen: unknown[] = [];
    const code = await runCli(
      {
        name: "tool",
        usage: USAGE,
        options: { header: { type: "string", short: "H", multiple: true }, out: { type: "string", default: "x.json" } },
        reportWith: "the input",
        run({ values, positionals }) {
          seen.push(values.header, values.out, positionals);
          return EXIT.ROUTE_ERRORS;
        },
      },
      ["a.yaml", "-H", "x-a: 1", "-Hx-b: 2", "--header=x-c: 3", "GET"],
    );
    expect(code).toBe(1);
    expect(process.exitCode).toBe(1);
    expect(seen).toEqual([["x-a: 1", "x-b: 2", "x-c: 3"], "x.json", ["a.yaml", "GET"]]);
  });

  it.each([["-h"], ["--help"]])("%s prints the usage on stdout and exits 0 without running", async (flag) => {
    const run = vi.fn(() => EXIT.OK);
    expect(await runCli({ name: "tool", usage: USAGE, reportWith: "it", run }, [flag])).toBe(0);
    expect(run).not.toHaveBeenCalled();
    expect(stdout).toEqual([USAGE]);
  });

  it.each([
    // node:util's own text ends `as in '-- "--frob"`, with a stray quote.
    ["an unknown option", ["--frob"], "tool: unknown option --frob; the options are --out, --help (-h)\n"],
    ["an option without its value", ["--out"], "--out"],
  ])("exits 2 with the message and usage on %s", async (_, argv, message) => {
    const run = vi.fn(() => EXIT.OK);
    expect(await runCli({ name: "tool", usage: USAGE, options: { out: { type: "string" } }, reportWith: "it", run }, argv)).toBe(2);
    expect(run).not.toHaveBeenCalled();
    expect(stderr.join("\n")).toContain(`tool: `);
    expect(stderr.join("\n")).toContain(message);
    expect(stderr.join("\n")).toContain(USAGE);
  });

  it("exits 2 with the message and usage when run throws UsageError", async () => {
    const code = await runCli({ name: "tool", usage: USAGE, reportWith: "it", run: () => { throw new UsageError("missing arguments"); } }, []);
    expect(code).toBe(2);
    expect(stderr).toEqual([`tool: missing arguments\n${USAGE}`]);
  });

  it.each([
    ["a thrown Error", () => { throw new TypeError("x is undefined"); }, "x is undefined"],
    ["a rejected promise", () => Promise.reject(new Error("late")), "late"],
    ["a thrown non-Error", () => { throw "a string"; }, "a string"],
  ])("turns %s into one internal-error line, exit 2, never a stack trace", async (_, run, message) => {
    const code = await runCli({ name: "tool", usage: USAGE, reportWith: "the input that triggered it", run }, []);
    expect(code).toBe(2);
    expect(process.exitCode).toBe(2);
    expect(stderr).toEqual([`tool: internal error: ${message}`, "    please report it with the input that triggered it"]);
  });
});

describe("compileFile", () => {
  it("compiles a valid file silently, with exit code 0", () => {
    const { table, exitCode } = compileFile("routes.yaml");
    expect(exitCode).toBe(0);
    expect(table).toMatchObject({ version: 1, source: "routes.yaml" });
    expect(stderr).toEqual([]);
  });

  it("prints the problems in file order, the error count and the consequence, with exit code 1", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: x}\nspec:\n  hosts: [x]\n  http:\n  - route: [{destination: {host: nowhere}}]\n    timeout: soon\n");
    const { table, exitCode } = compileFile(bad, "nothing to explain");
    expect(exitCode).toBe(1);
    expect(table).toBeUndefined();
    const lines = stderr.join("\n").split("\n").filter((l) => l.includes(" error: "));
    const positions = lines.map((l) => Number(/bad\.yaml:(\d+):/.exec(l)?.[1]));
    expect(positions.length).toBeGreaterThan(1);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(stderr.at(-1)).toBe(`edge-mirror: ${lines.length} error(s); nothing to explain`);
  });

  it.each([
    ["a missing file", join(dir, "missing.yaml"), "no such file", "    fix: check the path, or create the file (see docs/cli.md and docs/reference.md)"],
    ["a directory of routes files", routesDir, "is a directory, not a file", `    fix: pass a routes file, not a directory: ${join(routesDir, "a.yaml")}, ${join(routesDir, "b.yml")}`],
    ["a directory without any", mkdtempSync(join(tmpdir(), "edge-mirror-empty-")), "is a directory, not a file", "    fix: pass a routes file, not a directory (this one holds no .yaml file)"],
  ])("reports %s as an I/O error with its fix, exit code 2", (_, file, reason, fix) => {
    const { table, exitCode } = compileFile(file);
    expect(exitCode).toBe(2);
    expect(table).toBeUndefined();
    expect(stderr).toEqual([`edge-mirror: cannot read ${file}: ${reason}`, fix]);
    expect(stderr.join("\n")).not.toContain("create it");
  });

  it("names a file outside the current directory as given, not as ../../…", () => {
    const { exitCode } = compileFile(join(routesDir, "a.yaml"));
    expect(exitCode).toBe(1);
    expect(stderr[0]).toMatch(new RegExp(`^${join(routesDir, "a.yaml")}:\\d+:\\d+ `));
    expect(stderr.join("\n")).not.toContain("../");
  });
});

describe("printProblems", () => {
  const problem = (line: number, col: number, severity: "error" | "warning" = "error"): ConfigProblem => ({ severity, file: "r.yaml", line, col, message: `at ${line}:${col}` });

  it("sorts by line, then column, and counts only errors", () => {
    printProblems([problem(9, 1), problem(2, 7, "warning"), problem(2, 3)], "nothing was built");
    expect(stderr).toEqual(["r.yaml:2:3 error: at 2:3", "r.yaml:2:7 warning: at 2:7", "r.yaml:9:1 error: at 9:1", "edge-mirror: 2 error(s); nothing was built"]);
  });

  it("prints no count when there are only warnings", () => {
    printProblems([problem(1, 1, "warning")], "nothing was built");
    expect(stderr).toEqual(["r.yaml:1:1 warning: at 1:1"]);
  });
});
