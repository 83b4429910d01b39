// `npm run explain -- routes.yaml GET http://httpbin:8000/headers -H 'x-user: alice'`:
// compiles the routes file and says what the worker would do with that request,
// without sending anything. The explanation goes to stdout, problems to stderr.
// Exit codes: 0 explained, 1 errors in the routes file, 2 usage or I/O problems.
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { compileRoutes } from "./compile";
import { formatProblem, type ConfigProblem } from "./errors";
import { ExplainInputError, explainRequest } from "./explain";

const USAGE = `usage: npm run explain -- <routes.yaml> <method> <url> [-H 'name: value']...
  e.g. npm run explain -- routes.yaml GET http://httpbin:8000/headers -H 'x-user: alice'
  The URL's host is the Host header unless -H 'Host: …' is given. Nothing is sent.`;

interface Args {
  file: string;
  method: string;
  url: string;
  headers: [string, string][];
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Args | "help" {
  const positional: string[] = [];
  const headers: [string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") return "help";
    let header: string | undefined;
    if (arg === "-H" || arg === "--header") {
      header = argv[++i];
      if (header === undefined) throw new UsageError(`${arg} needs a 'name: value' argument`);
    } else if (arg.startsWith("-H") && arg.length > 2) header = arg.slice(2);
    else if (arg.startsWith("--header=")) header = arg.slice("--header=".length);
    else if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
    if (header !== undefined) {
      const colon = header.indexOf(":");
      if (colon <= 0) throw new UsageError(`header ${JSON.stringify(header)} is not 'name: value'`);
      headers.push([header.slice(0, colon).trim(), header.slice(colon + 1).trim()]);
    }
  }
  if (positional.length !== 3) throw new UsageError(positional.length < 3 ? "missing arguments" : `unexpected argument ${JSON.stringify(positional[3])}`);
  const [file, method, url] = positional as [string, string, string];
  return { file, method, url, headers };
}

function main(argv: string[]): number {
  let args: Args | "help";
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`edge-mirror explain: ${e.message}\n${USAGE}`);
    return 2;
  }
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  let text: string;
  try {
    text = readFileSync(args.file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    console.error(`edge-mirror: cannot read ${args.file}: ${code === "ENOENT" ? "no such file" : (e as Error).message}`);
    console.error("    fix: pass the path of your routes file, e.g. routes.yaml");
    return 2;
  }
  const { table, problems } = compileRoutes(text, relative(process.cwd(), args.file) || args.file);
  report(problems);
  if (!table) return 1;
  try {
    for (const line of explainRequest(table, args.method, args.url, args.headers)) console.log(line);
  } catch (e) {
    if (!(e instanceof ExplainInputError)) throw e;
    console.error(`edge-mirror explain: ${e.message}\n${USAGE}`);
    return 2;
  }
  return 0;
}

/** As `check` prints them: in file order, then the error count. */
function report(problems: ConfigProblem[]): void {
  const inFileOrder = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
  for (const p of inFileOrder) console.error(formatProblem(p));
  const errors = problems.filter((p) => p.severity === "error").length;
  if (errors > 0) console.error(`edge-mirror: ${errors} error(s); nothing to explain`);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  // Never a stack trace for the user.
  console.error(`edge-mirror explain: internal error: ${(e as Error).message}`);
  console.error("    please report it with the routes file and request that triggered it");
  process.exitCode = 2;
}
