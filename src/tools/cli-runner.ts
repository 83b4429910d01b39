// What every edge-mirror command-line tool shares, so they behave alike: arguments
// parsed by node:util parseArgs (with -h/--help), one set of exit codes (0 ok, 1 the
// routes file has errors — for the gate, v2 failed —, 2 usage or I/O, 3 the gate's
// "inconclusive"), a routes file read and compiled with a clear I/O error, its
// problems printed in file order, and never a stack trace (an unexpected exception
// is a bug in edge-mirror, reported as such).
//
//   import { compileFile, EXIT, runCli, UsageError } from "../tools/cli-runner";
//
//   await runCli({
//     name: "edge-mirror explain",
//     usage: "usage: npm run explain -- <routes.yaml> <method> <url> [-H 'name: value']...",
//     options: { header: { type: "string", short: "H", multiple: true } },
//     reportWith: "the routes file and request that triggered it",
//     run({ values, positionals }) {
//       const [file, method, url] = positionals;
//       if (!file || !method || !url) throw new UsageError("missing arguments");  // → message + usage, exit 2
//       const { table, exitCode } = compileFile(file, "nothing to explain");       // prints problems or the I/O error
//       if (!table) return exitCode;                                              // 1 (routes errors) or 2 (I/O)
//       console.log(explain(table, method, url, values.header ?? []));
//       return EXIT.OK;
//     },
//   });
import { readdirSync, readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { compileRoutes } from "../config/compile";
import { formatProblem, type ConfigProblem } from "../config/errors";
import type { RouteTable } from "../routing/table";

/** The exit codes of every edge-mirror tool. */
export const EXIT = {
  /** done; warnings allowed */
  OK: 0,
  /** the routes file has errors (printed) */
  ROUTE_ERRORS: 1,
  /** wrong arguments, or a file that cannot be read or written */
  USAGE_OR_IO: 2,
  /** `npm run gate` only: not enough evidence either way (its 1 is a failed gate) */
  INCONCLUSIVE: 3,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown by a tool's `run` for arguments it cannot use: printed with the usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;
/** What parseArgs returns for these options (strict, positionals allowed). */
export type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;

export interface Cli<O extends Options> {
  /** the prefix of the tool's own messages: `edge-mirror`, `edge-mirror explain` */
  name: string;
  /** printed for -h/--help (stdout, exit 0) and after a usage error (stderr, exit 2) */
  usage: string;
  /** node:util parseArgs options; -h/--help is added */
  options?: O;
  /** what to attach to a bug report, e.g. "the routes file that triggered it" */
  reportWith: string;
  run(args: ParsedArgs<O>): ExitCode | Promise<ExitCode>;
}

/** Runs a tool on `argv` (the process's arguments by default) and sets process.exitCode. Never throws. */
export async function runCli<const O extends Options>(cli: Cli<O>, argv: string[] = process.argv.slice(2)): Promise<ExitCode> {
  const code = await exitCodeOf(cli, argv);
  process.exitCode = code;
  return code;
}

async function exitCodeOf<O extends Options>(cli: Cli<O>, argv: string[]): Promise<ExitCode> {
  try {
    const options = { ...cli.options, help: { type: "boolean", short: "h" } } as const;
    let parsed: ParsedArgs<typeof options>;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (e) {
      // node:util reports unknown options and missing option values with ERR_PARSE_ARGS_* codes.
      if (!String((e as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS")) throw e;
      throw new UsageError(parseArgsMessage(e as NodeJS.ErrnoException, options));
    }
    if (parsed.values.help) {
      console.log(cli.usage);
      return EXIT.OK;
    }
    return await cli.run(parsed as unknown as ParsedArgs<O>);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${cli.name}: ${e.message}\n${cli.usage}`);
      return EXIT.USAGE_OR_IO;
    }
    // Never a stack trace for the user: this is a bug in edge-mirror, not in their file.
    console.error(`${cli.name}: internal error: ${e instanceof Error ? e.message : String(e)}`);
    console.error(`    please report it with ${cli.reportWith}`);
    return EXIT.USAGE_OR_IO;
  }
}

/**
 * node:util's messages, shortened: its unknown-option text ends in a stray quote
 * (`as in '-- "--bogus"`) and is about positionals, which no edge-mirror tool takes
 * with a leading dash. Says which options there are instead.
 */
function parseArgsMessage(e: NodeJS.ErrnoException, options: Options): string {
  if (e.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return e.message;
  const option = /^Unknown option '([^']+)'/.exec(e.message)?.[1] ?? "?";
  const known = Object.entries(options).map(([name, o]) => `--${name}${o.short ? ` (-${o.short})` : ""}`);
  return `unknown option ${option}; the options are ${known.join(", ")}`;
}

/**
 * Reads and compiles one routes file, printing its problems in file order (and the
 * error count, then `consequence`), or why it cannot be read. `table` is present
 * exactly when `exitCode` is 0.
 */
export function compileFile(file: string, consequence = "nothing was built"): { table?: RouteTable; exitCode: ExitCode } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    return { exitCode: ioFailure(`cannot read ${file}`, e, readFix(file, e)) };
  }
  const { table, problems } = compileRoutes(text, shownPath(file));
  printProblems(problems, consequence);
  return table ? { table, exitCode: EXIT.OK } : { exitCode: EXIT.ROUTE_ERRORS };
}

/** The fix for a routes file that cannot be read: a directory gets the files in it to pick from, not "create it". */
function readFix(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EISDIR") {
    let yamls: string[] = [];
    try {
      yamls = readdirSync(file).filter((name) => /\.ya?ml$/.test(name)).sort();
    } catch {}
    const shown = yamls.slice(0, 5).map((name) => join(file, name));
    return shown.length > 0
      ? `pass a routes file, not a directory: ${shown.join(", ")}${yamls.length > shown.length ? ", …" : ""}`
      : "pass a routes file, not a directory (this one holds no .yaml file)";
  }
  if (code === "ENOENT") return "check the path, or create the file (see docs/cli.md and docs/reference.md)";
  return "pass the path of a routes file you can read";
}

/** The file as messages name it: relative to the current directory when inside it, else as given. */
export function shownPath(file: string): string {
  const inside = relative(process.cwd(), file);
  return inside && !inside.startsWith("..") && !isAbsolute(inside) ? inside : file;
}

/** Problems in file order, then how many errors there were and what that means. */
export function printProblems(problems: readonly ConfigProblem[], consequence: string): void {
  const inFileOrder = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
  for (const p of inFileOrder) console.error(formatProblem(p));
  const errors = problems.filter((p) => p.severity === "error").length;
  if (errors > 0) console.error(`edge-mirror: ${errors} error(s); ${consequence}`);
}

/** Prints a failed read or write (`cannot write generated/routes.json: permission denied`) with its fix; returns exit code 2. */
export function ioFailure(what: string, error: unknown, fix: string): ExitCode {
  console.error(`edge-mirror: ${what}: ${describeIoError(error)}`);
  console.error(`    fix: ${fix}`);
  return EXIT.USAGE_OR_IO;
}

const IO_ERRORS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "is a directory, not a file",
  ENOTDIR: "a part of the path is not a directory",
};

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code !== undefined ? IO_ERRORS[code] : undefined) ?? (error instanceof Error ? error.message : String(error));
}
