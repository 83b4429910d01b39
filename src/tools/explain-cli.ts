// `npm run explain -- routes.yaml GET http://httpbin:8000/headers -H 'x-user: alice'`:
// compiles the routes file and says what the worker would do with that request,
// without sending anything. The explanation goes to stdout (lines, or one JSON
// object with --json), problems to stderr. Exit codes: cli-runner.ts's EXIT.
import { EXIT, UsageError, compileFile, runCli } from "./cli-runner";
import { ExplainInputError, explainRequest, type ExplainOptions } from "./explain";
import { explainJson } from "./explain-json";

const USAGE = `usage: npm run explain -- <routes.yaml> <method> <url> [-H 'name: value']... [--json] [--random R] [--cap PERCENT] [--route-cap VS/ROUTE=PERCENT]...
  e.g. npm run explain -- routes.yaml GET http://httpbin:8000/headers -H 'x-user: alice'
  The URL's host is the Host header unless -H 'Host: …' is given. Nothing is sent.
  --json          one JSON object (the worker's plan) instead of lines, for scripts and CI
  --random R      the value of every random draw, 0 <= R < 1 (default 0: the first weighted
                  destination, and every mirror and fault whose percentage is above 0)
  --cap PERCENT   plan as if MIRROR_PERCENT_CAP were set to PERCENT
  --route-cap VS/ROUTE=PERCENT
                  plan as if the pause switch capped that route (as the dashboard names it) at PERCENT`;

await runCli({
  name: "edge-mirror explain",
  usage: USAGE,
  options: {
    header: { type: "string", short: "H", multiple: true },
    json: { type: "boolean" },
    random: { type: "string" },
    cap: { type: "string" },
    "route-cap": { type: "string", multiple: true },
  },
  reportWith: "the routes file and request that triggered it",
  run({ values, positionals }) {
    if (positionals.length !== 3) throw new UsageError(positionals.length < 3 ? "missing arguments" : `unexpected argument ${JSON.stringify(positionals[3])}`);
    const [file, method, url] = positionals as [string, string, string];
    const headers = (values.header ?? []).map(parseHeader);
    const options: ExplainOptions = {};
    if (values.random !== undefined) options.random = number("--random", values.random);
    if (values.cap !== undefined) options.mirrorPercentCap = number("--cap", values.cap);
    for (const entry of values["route-cap"] ?? []) {
      const eq = entry.lastIndexOf("=");
      if (eq <= 0) throw new UsageError(`--route-cap ${JSON.stringify(entry)} is not VS/ROUTE=PERCENT`);
      (options.routeCaps ??= {})[entry.slice(0, eq)] = number("--route-cap", entry.slice(eq + 1));
    }
    const { table, exitCode } = compileFile(file, "nothing to explain");
    if (!table) return exitCode;
    try {
      if (values.json) console.log(JSON.stringify(explainJson(table, method, url, headers, options), null, 2));
      else for (const line of explainRequest(table, method, url, headers, options)) console.log(line);
    } catch (e) {
      if (e instanceof ExplainInputError) throw new UsageError(e.message);
      throw e;
    }
    return EXIT.OK;
  },
});

function parseHeader(header: string): [string, string] {
  const colon = header.indexOf(":");
  if (colon <= 0) throw new UsageError(`header ${JSON.stringify(header)} is not 'name: value'`);
  return [header.slice(0, colon).trim(), header.slice(colon + 1).trim()];
}

function number(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new UsageError(`${option} ${JSON.stringify(text)} is not a number`);
  return value;
}
