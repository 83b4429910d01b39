// `npm run replay -- --url https://api.example.com --route api/users --target http://localhost:9083`:
// replays captured traffic (the worker's captures API, or a file: NDJSON or
// GoReplay's format) against a build that takes no live traffic yet, compares each
// answer with the captured v1 answer by the worker's own comparison, and judges the
// run with the route's gate. `npm run replay -- export --format gor …` writes
// GoReplay's file format instead. Exit codes: 0 pass, 1 fail, 2 usage or connection
// problems, 3 inconclusive (cli-runner.ts's EXIT; the gate's).
import { randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { EXIT, UsageError, compileFile, runCli, type ExitCode } from "./cli-runner";
import { judge, type GateOptions } from "./gate-judge";
import { reportLines, progressReporter } from "./replay-output";
import type { CaptureRecord } from "./replay-record";
import { toGor } from "./replay-gor";
import { DEFAULT_METHODS, replay, schedule, type Pacing } from "./replay-run";
import { fetchCaptures, readCaptureFile, saveRecords, SourceError } from "./replay-source";
import { routeReport } from "../compare/report";
import { defaultCompareSettings } from "../config/defaults";
import { MAX_LATENCY_SHIFT_LIMIT_MS } from "../config/compare-policy";
import type { CompareSettings } from "../routing/table";

const USAGE = `usage: npm run replay -- (--url <worker URL> --route <vs>/<route> | --file <captures.ndjson[.gz] | traffic.gor>)
                        --target <URL> [--baseline <v1 URL>] [options]
       npm run replay -- export --format gor (--url … --route … | --file …) [--out traffic.gor]
  Sends each captured request to --target (method, path and query, headers, body, and
  X-Edge-Mirror-Replay: <run id>), compares its answer with the captured v1 answer as the
  worker compares (the route's compare settings from --routes), and judges it with the gate.
  --url, --token       the worker's captures API; the token may come from $EDGE_MIRROR_ADMIN_TOKEN
  --file FILE          NDJSON records (--save writes them) or GoReplay's format, gzipped or not
  --save FILE          also write the records read, as NDJSON (.gz: gzipped)
  --baseline URL       send every request to a live v1 too: where it differs from the captured
                       answer is noise (time stamps, ids); without it only compare.ignore applies
  --routes FILE        the routes file with the route's compare settings (default routes.yaml)
  --methods LIST       methods replayed, comma-separated (default GET,HEAD,OPTIONS)
  --speed N | max      captured inter-arrival times ÷ N (default 1); max: no pauses
  --rate N             N requests a second instead of the captured times
  --concurrency N      requests in flight at most (default 10)
  --limit N, --from ISO, --to ISO    which records (time in [from, to))
  --timeout S          seconds per request (default 30)
  --max-divergence P, --min-compared N, --ignore-flags   override the route's gate, as npm run gate
  --max-latency-shift MS   judge v2's paired latency shift (v2 − v1 per request) against MS, as
                       npm run gate; needs --baseline (v1 timed here, with v2). Without
                       --baseline the route's maxLatencyShiftMs is not judged either
  --json               print the report as one JSON object; --out FILE writes it
  exit codes: 0 pass, 1 fail, 2 usage or connection problems, 3 inconclusive`;

const SOURCE_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  route: { type: "string" },
  file: { type: "string" },
  save: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  limit: { type: "string" },
  out: { type: "string" },
} as const;

await runCli({
  name: "edge-mirror replay",
  usage: USAGE,
  options: {
    ...SOURCE_OPTIONS,
    format: { type: "string" },
    target: { type: "string" },
    baseline: { type: "string" },
    routes: { type: "string" },
    methods: { type: "string" },
    speed: { type: "string" },
    rate: { type: "string" },
    concurrency: { type: "string" },
    timeout: { type: "string" },
    "max-divergence": { type: "string" },
    "min-compared": { type: "string" },
    "max-latency-shift": { type: "string" },
    "ignore-flags": { type: "boolean" },
    json: { type: "boolean" },
    "run-id": { type: "string" },
  },
  reportWith: "the command line and the capture file",
  async run({ values: v, positionals }) {
    const command = positionals[0];
    if (positionals.length > 1 || (command !== undefined && command !== "export")) throw new UsageError(`unexpected argument ${JSON.stringify(positionals.at(-1))}`);
    let records: CaptureRecord[];
    try {
      records = await readRecords(v);
    } catch (e) {
      if (!(e instanceof SourceError)) throw e;
      console.error(`edge-mirror replay: ${e.message}`);
      return EXIT.USAGE_OR_IO;
    }
    if (command === "export") return exportGor(v, records);

    const target = httpUrl("--target", v.target);
    const baseline = v.baseline === undefined ? undefined : httpUrl("--baseline", v.baseline);
    const route = v.route ?? onlyRoute(records);
    const compare = route ? routeSettings(v.routes ?? "routes.yaml", route) : { settings: defaultCompareSettings(), note: "compare settings: the defaults (the records name no route; pass --route)" };
    if ("exitCode" in compare) return compare.exitCode;
    const gate: GateOptions = { ignoreFlags: v["ignore-flags"] ?? false };
    if (v["max-divergence"] !== undefined) gate.maxDivergencePercent = number("--max-divergence", v["max-divergence"], 0, 100);
    if (v["min-compared"] !== undefined) gate.minCompared = whole("--min-compared", v["min-compared"]);
    // The paired shift needs v1 and v2 timed together: with --baseline both are called from
    // here at once; without it v1's time is the one captured at the edge, at another moment.
    if (v["max-latency-shift"] !== undefined) {
      if (!baseline) throw new UsageError(unpaired("--max-latency-shift needs --baseline <v1 URL>"));
      gate.maxLatencyShiftMs = number("--max-latency-shift", v["max-latency-shift"], 0, MAX_LATENCY_SHIFT_LIMIT_MS);
    }
    const routeShiftLimit = compare.settings.gate.maxLatencyShiftMs;
    const settings = baseline || routeShiftLimit === undefined ? compare.settings : withoutShiftLimit(compare.settings);
    if (!baseline && routeShiftLimit !== undefined) {
      console.error(`edge-mirror replay: ${route}'s maxLatencyShiftMs (${routeShiftLimit} ms) is not judged: ${unpaired("the latency shift needs --baseline <v1 URL>")}`);
    }
    const runId = v["run-id"] ?? randomUUID();
    const hasAnswers = records.some((r) => r.response);
    if (!hasAnswers && !baseline && records.length > 0) {
      console.error("edge-mirror replay: the records hold no original answers (a GoReplay file without type 2): nothing to compare with; pass --baseline <v1 URL> to compare");
    }

    const plan = pacing(v.speed, v.rate);
    const spanMs = schedule(records, plan).at(-1) ?? 0;
    if (spanMs > 60_000) console.error(`edge-mirror replay: at this pace the replay takes about ${Math.round(spanMs / 60_000)} min (--speed max or --rate N sends faster)`);
    const progress = progressReporter(process.stderr, records.length);
    const result = await replay({
      records,
      target,
      ...(baseline ? { baseline } : {}),
      settings,
      methods: v.methods ? v.methods.split(",").map((m) => m.trim().toUpperCase()).filter(Boolean) : DEFAULT_METHODS,
      pacing: plan,
      concurrency: v.concurrency === undefined ? 10 : whole("--concurrency", v.concurrency, 1),
      runId,
      timeoutMs: v.timeout === undefined ? 30_000 : number("--timeout", v.timeout, 0.001, 3600) * 1000,
      onProgress: progress.update,
      onRedactedHeader: (name) => progress.note(`edge-mirror replay: ${name} was redacted at capture: requests are sent without it (its value was never stored)`),
    });
    progress.end();

    const report = routeReport({ virtualService: route?.split("/")[0] ?? "", route: route?.split("/").slice(1).join("/") ?? "", mirror: target.origin }, result.tally, settings);
    // Without a baseline, v1's latency was measured at the edge and v2's from here: too far
    // apart to judge v2's p99 by (a laptop is not a colo), so that flag waits for --baseline.
    if (!baseline) report.flags = report.flags.filter((f) => f.flag !== "v2_p99_latency");
    const judged = judge([report], gate);
    const unreachable = result.sent > 0 && result.answered === 0;
    const exitCode: ExitCode = unreachable ? EXIT.USAGE_OR_IO : judged.verdict === "pass" ? EXIT.OK : judged.verdict === "fail" ? EXIT.ROUTE_ERRORS : EXIT.INCONCLUSIVE;
    const noise = baseline ? `the baseline ${baseline.origin}` : "none: without --baseline only the route's ignore applies";
    const run = {
      runId,
      source: v.url ? new URL(v.url).origin : v.file,
      route: route ?? null,
      target: target.origin,
      baseline: baseline?.origin ?? null,
      records: records.length,
      sent: result.sent,
      answered: result.answered,
      durationMs: Math.round(result.durationMs),
      v1: result.v1Source,
      v1Latency: baseline ? "the baseline's, measured here" : "as captured at the edge; v2's p99 is judged only with --baseline",
      latencyShift: baseline
        ? `paired: v2 − the baseline, both timed here at once, ${result.paired} of ${report.compared} compared requests`
        : "not measured: needs --baseline (v1's time was captured at the edge, v2's is measured here)",
      noise,
      compareSettings: compare.note,
      droppedHeaders: result.droppedHeaders,
    };
    const json = { verdict: unreachable ? "error" : judged.verdict, exitCode, run, judged: judged.routes[0], report };
    if (v.out !== undefined) {
      try {
        writeFileSync(v.out, JSON.stringify(json, null, 2) + "\n");
      } catch (e) {
        console.error(`edge-mirror replay: cannot write ${v.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        return EXIT.USAGE_OR_IO;
      }
    }
    if (v.json) console.log(JSON.stringify(json, null, 2));
    else for (const line of reportLines(run, report, judged)) console.log(line);
    if (unreachable) console.error(`edge-mirror replay: ${target.origin} answered none of the ${result.sent} requests sent (${Object.keys(result.tally.shadowErrors).join(", ")})`);
    return exitCode;
  },
});

/** Why a shift of v2's time here minus v1's captured time is not a paired difference. */
function unpaired(what: string): string {
  return `${what}: without it v1's time is the one captured at the edge, at another moment and over another network than v2's, measured here, so v2 − v1 is not a paired difference`;
}

/** The route's compare settings without the latency-shift limit (a replay without a baseline cannot judge it). */
function withoutShiftLimit(settings: CompareSettings): CompareSettings {
  const { maxLatencyShiftMs: _unjudged, ...gate } = settings.gate;
  return { ...settings, gate };
}

type Values = { [K in keyof typeof SOURCE_OPTIONS]?: string };

async function readRecords(v: Values): Promise<CaptureRecord[]> {
  if ((v.url === undefined) === (v.file === undefined)) throw new UsageError("pass either --url (the worker's captures API) or --file");
  const from = v.from === undefined ? undefined : isoTime("--from", v.from);
  const to = v.to === undefined ? undefined : isoTime("--to", v.to);
  const limit = v.limit === undefined ? undefined : whole("--limit", v.limit, 1);
  let records: CaptureRecord[];
  if (v.url !== undefined) {
    const base = new URL("/", httpUrl("--url", v.url));
    const token = v.token ?? process.env.EDGE_MIRROR_ADMIN_TOKEN;
    if (!token) throw new UsageError("no token: pass --token or set EDGE_MIRROR_ADMIN_TOKEN");
    if (v.route === undefined || !/^[^/]+\/.+$/.test(v.route)) throw new UsageError("--url needs --route <virtualService>/<route>");
    records = await fetchCaptures({ base, token, route: v.route, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(limit ? { limit } : {}) });
  } else {
    records = readCaptureFile(v.file!).records;
    if (v.route !== undefined) records = records.filter((r) => r.route === "" || r.route === v.route);
  }
  // The API applies the range too; a file is filtered here. [from, to), as the API.
  records = records.filter((r) => (!from || Date.parse(r.time) >= Date.parse(from)) && (!to || Date.parse(r.time) < Date.parse(to)));
  if (limit !== undefined) records = records.slice(0, limit);
  if (v.save !== undefined) saveRecords(v.save, records);
  return records;
}

function exportGor(v: Values & { format?: string }, records: CaptureRecord[]): ExitCode {
  if (v.format !== "gor") throw new UsageError(`export needs --format gor${v.format ? ` (not ${JSON.stringify(v.format)})` : ""}`);
  const bytes = Buffer.concat(records.map(toGor));
  if (v.out === undefined) process.stdout.write(bytes);
  else {
    try {
      writeFileSync(v.out, bytes);
    } catch (e) {
      console.error(`edge-mirror replay: cannot write ${v.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return EXIT.USAGE_OR_IO;
    }
    console.error(`edge-mirror replay: wrote ${records.length} requests (${records.filter((r) => r.response).length} with their answers) to ${v.out}`);
  }
  return EXIT.OK;
}

/** The records' route, when they all name the same one. */
function onlyRoute(records: readonly CaptureRecord[]): string | undefined {
  const routes = new Set(records.map((r) => r.route).filter(Boolean));
  if (routes.size > 1) throw new UsageError(`the records hold several routes (${[...routes].slice(0, 3).join(", ")}): pass --route`);
  return [...routes][0];
}

function routeSettings(file: string, route: string): { settings: CompareSettings; note: string } | { exitCode: ExitCode } {
  const { table } = compileFile(file, "cannot read the route's compare settings");
  if (!table) return { exitCode: EXIT.USAGE_OR_IO };
  const found = table.virtualHosts.flatMap((h) => h.routes).find((r) => r.name === route);
  if (!found) {
    const names = table.virtualHosts.flatMap((h) => h.routes.map((r) => r.name));
    throw new UsageError(`${file} has no route ${route} (it has ${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""}): pass --routes with the worker's routes file`);
  }
  if (found.shadow.compare) return { settings: found.shadow.compare, note: `compare settings: ${route} in ${file}` };
  return { settings: defaultCompareSettings(), note: `compare settings: the defaults (${route} in ${file} has no MirrorPolicy compare)` };
}

function pacing(speed: string | undefined, rate: string | undefined): Pacing {
  if (speed !== undefined && rate !== undefined) throw new UsageError("pass --speed or --rate, not both");
  if (rate !== undefined) return { ratePerSecond: number("--rate", rate.replace(/\/s$/, ""), 0.001, 1e6) };
  if (speed === "max") return { asFastAsPossible: true };
  return { speed: speed === undefined ? 1 : number("--speed", speed, 0.001, 1e6) };
}

function httpUrl(option: string, text: string | undefined): URL {
  if (!text) throw new UsageError(`missing ${option}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${option} ${JSON.stringify(text)} is not a URL, e.g. http://localhost:9083`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${option} ${JSON.stringify(text)}: use http:// or https://`);
  return url;
}

function isoTime(option: string, text: string): string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`${option} ${JSON.stringify(text)} is not a time, e.g. 2026-12-07T08:00:00Z`);
  return new Date(ms).toISOString();
}

function number(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === "" || !(n >= min && n <= max)) throw new UsageError(`${option} ${JSON.stringify(text)} is not a number from ${min} to ${max}`);
  return n;
}

function whole(option: string, text: string, min = 0): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} ${JSON.stringify(text)} is not a whole number ≥ ${min}`);
  return n;
}
