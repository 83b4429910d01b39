// `npm run gate -- --url https://api.example.com --token …`: reads the worker's
// comparison report and says whether v2 may be rolled out, for a person (one line
// per route) or a pipeline (--json; Argo Rollouts' web provider can read the worker's
// report itself: see docs/comparing.md, "The gate"). Exit codes: 0 pass, 1 fail, 2 usage or connection
// problems, 3 inconclusive (cli-runner.ts's EXIT). The token may come from the
// environment (EDGE_MIRROR_ADMIN_TOKEN) rather than the command line, where other
// users of the machine could read it.
import { EXIT, UsageError, runCli, type ExitCode } from "./cli-runner";
import { gateLines, judge, type GateOptions } from "./gate-judge";
import type { RouteReport } from "../compare/report";
import { MAX_LATENCY_SHIFT_LIMIT_MS } from "../config/compare-policy";

const USAGE = `usage: npm run gate -- --url <worker URL> [--token <token>] [--route <virtualService>/<route>]
                      [--max-divergence <percent>] [--min-compared <n>] [--max-latency-shift <ms>]
                      [--ignore-flags] [--json]
  Reads <worker URL>/__edge-mirror/api/report (Authorization: Bearer <token>, or $EDGE_MIRROR_ADMIN_TOKEN)
  and judges every compared route, or the one --route names.
  --max-divergence, --min-compared   override the routes' compare.gate for this run
  --max-latency-shift <ms>   also judge v2's paired latency shift (v2 − v1 per request): fail when
                   its 95 % interval lies above <ms>, pass only when its high end is at or below
  Every endpoint (method and path template) is judged too: a route fails when any of its
                   endpoints fails, and its line names them (docs/endpoints.md)
  --ignore-flags   do not fail a route for v2's 5xx rate or p99 latency flags
  --json           one JSON object on stdout: {verdict, exitCode, routes: [...]}; when the report
                   cannot be read, {"verdict": "error", "exitCode": 2, "error": "…", "routes": []}
  exit codes: 0 pass, 1 fail, 2 usage or connection problems, 3 inconclusive`;

const TIMEOUT_MS = 30_000;

await runCli({
  name: "edge-mirror gate",
  usage: USAGE,
  options: {
    url: { type: "string" },
    token: { type: "string" },
    route: { type: "string" },
    "max-divergence": { type: "string" },
    "min-compared": { type: "string" },
    "max-latency-shift": { type: "string" },
    "ignore-flags": { type: "boolean" },
    json: { type: "boolean" },
  },
  reportWith: "the command line and the worker's report",
  async run({ values, positionals }) {
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const base = workerUrl(values.url);
    const token = values.token ?? process.env.EDGE_MIRROR_ADMIN_TOKEN;
    if (!token) throw new UsageError("no token: pass --token or set EDGE_MIRROR_ADMIN_TOKEN");
    const options: GateOptions = { ignoreFlags: values["ignore-flags"] ?? false };
    if (values["max-divergence"] !== undefined) options.maxDivergencePercent = percent(values["max-divergence"]);
    if (values["min-compared"] !== undefined) options.minCompared = count(values["min-compared"]);
    if (values["max-latency-shift"] !== undefined) options.maxLatencyShiftMs = milliseconds(values["max-latency-shift"]);
    if (values.route !== undefined && !/^[^/]+\/.+$/.test(values.route)) throw new UsageError(`--route ${JSON.stringify(values.route)} is not <virtualService>/<route>`);

    const url = new URL("__edge-mirror/api/report", base);
    if (values.route !== undefined) url.searchParams.set("route", values.route);
    const fetched = await fetchReport(url, token);
    if ("problem" in fetched) {
      console.error(`edge-mirror gate: ${fetched.problem}`);
      // A pipeline reading --json gets an answer it can parse, with the same exit code.
      if (values.json) console.log(JSON.stringify({ verdict: "error", exitCode: EXIT.USAGE_OR_IO, error: fetched.problem, routes: [] }, null, 2));
      return EXIT.USAGE_OR_IO;
    }
    const result = judge(fetched.routes, options);
    const exitCode: ExitCode = result.verdict === "pass" ? EXIT.OK : result.verdict === "fail" ? EXIT.ROUTE_ERRORS : EXIT.INCONCLUSIVE;
    if (values.json) console.log(JSON.stringify({ verdict: result.verdict, exitCode, routes: result.routes }, null, 2));
    else for (const line of gateLines(result)) console.log(line);
    return exitCode;
  },
});

function workerUrl(text: string | undefined): URL {
  if (!text) throw new UsageError("missing --url");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(text)} is not a URL, e.g. https://api.example.com`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--url ${JSON.stringify(text)}: use http:// or https://`);
  // The report is at the root of the host, whatever path the URL had.
  return new URL("/", url);
}

function percent(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !(n >= 0 && n <= 100)) throw new UsageError(`--max-divergence ${JSON.stringify(text)} is not a percentage from 0 to 100`);
  return n;
}

function milliseconds(text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !(n >= 0 && n <= MAX_LATENCY_SHIFT_LIMIT_MS)) throw new UsageError(`--max-latency-shift ${JSON.stringify(text)} is not a number of ms from 0 to ${MAX_LATENCY_SHIFT_LIMIT_MS}`);
  return n;
}

function count(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--min-compared ${JSON.stringify(text)} is not a whole number ≥ 0`);
  return n;
}

async function fetchReport(url: URL, token: string): Promise<{ routes: RouteReport[] } | { problem: string }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    return { problem: `cannot reach ${url.origin}: ${cause?.code ?? cause?.message ?? (e as Error).message}` };
  }
  const body = await response.text();
  if (response.status === 401 || response.status === 400) return { problem: `${url.origin} refused the token (${response.status})` };
  if (response.status === 404) {
    return {
      problem: body.startsWith("{")
        ? `${url.origin}: ${(JSON.parse(body) as { error?: string }).error ?? "not found"}`
        : `${url.origin}/__edge-mirror/ does not exist: set the secret EDGE_MIRROR_ADMIN_TOKEN on the worker (wrangler secret put), or check the URL`,
    };
  }
  if (response.status !== 200) return { problem: `${url.href} answered ${response.status}: ${body.slice(0, 200).trim()}` };
  try {
    const report = JSON.parse(body) as { routes?: RouteReport[] };
    if (!Array.isArray(report.routes)) throw new Error("no routes");
    return { routes: report.routes };
  } catch {
    return { problem: `${url.href} did not answer with a report: ${body.slice(0, 200).trim()}` };
  }
}
