// `npm start`: the Istio mirroring walkthrough, replayed on this machine.
//
// Starts the two httpbin-like origins routes.yaml's ServiceEntry points at (v1 on
// 127.0.0.1:9081, v2 on 127.0.0.1:9082), starts the worker with `wrangler dev` on
// 127.0.0.1:8787 (env PORT to change it) serving routes.yaml, sends the
// walkthrough's `curl http://httpbin:8000/headers` a few times, and shows what the
// client, v1, v2 and the worker each saw. Then it keeps serving until Ctrl-C.
// Then two more acts: comparing v1's and v2's answers (scripts/demo-compare.ts), and
// capturing the route's traffic and replaying it against v2 (scripts/demo-capture.ts).
// DEMO_EXIT_AFTER_REPLAY=1 stops after the acts (exit 0 if each went as expected).
// `npm start -- --gateway-api` replays the task's Gateway API version instead:
// routes.gateway-api.yaml (its Services and HTTPRoute, and WorkloadEntries on the same ports).
import { existsSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { createServer } from "node:net";
import { killGroupNow } from "../devkit/loopback";
import { startOrigin, type Origin } from "../devkit/origin";
import { WRANGLER, shadowEvents, startWranglerDev, waitReady, workerEvent, type WorkerEvent, type WranglerDev } from "../devkit/wrangler-dev";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { captureAct } from "./demo-capture";
import { COMPARE_POLICY, compareAct } from "./demo-compare";
import { BROKEN_STATUS, serveRoutes, type ServedRoutes, type ServedState } from "./demo-routes";

const GATEWAY_API = process.argv.includes("--gateway-api");
/** The routes file served, and how it says where v1 and v2 run. */
const DIALECT = GATEWAY_API
  ? { routes: "routes.gateway-api.yaml", origins: "WorkloadEntries", v1: "Service httpbin-v1", v2: "Service httpbin-v2", what: "HTTPRoute → httpbin-v1, RequestMirror → httpbin-v2" }
  : { routes: "routes.yaml", origins: "ServiceEntry", v1: "subset v1", v2: "subset v2", what: "route 100 % → v1, mirror 100 % → v2" };
// The ports of the routes file's endpoints (version: v1 and version: v2).
const V1_PORT = 9081;
const V2_PORT = 9082;
const WORKER_PORT = Number(process.env.PORT || 8787);
const EXIT_AFTER_REPLAY = process.env.DEMO_EXIT_AFTER_REPLAY === "1";
/** The bearer token of /__edge-mirror/ for this run (EDGE_MIRROR_ADMIN_TOKEN), printed for curl and npm run gate. */
const ADMIN_TOKEN = process.env.EDGE_MIRROR_ADMIN_TOKEN || `demo-${randomBytes(6).toString("hex")}`;
/**
 * What wrangler dev compiles: routes.yaml + scripts/demo-compare.yaml (comparison on),
 * kept in step with routes.yaml, or a stand-in answering 503 while it has errors
 * (scripts/demo-routes.ts); the Gateway API variant serves its file without the policy.
 */
let served: ServedRoutes | undefined;
const REQUESTS = 3;
const HOST = "httpbin:8000";
const READY_TIMEOUT_MS = 60_000;
const SHADOW_WAIT_MS = 5_000;
const CURL = `curl -H 'Host: ${HOST}' http://127.0.0.1:${WORKER_PORT}/headers`;

// ---------------------------------------------------------------- output

const colour = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string) => (text: string) => (colour ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint("1");
const dim = paint("2");
const green = paint("32");
const magenta = paint("35");
const cyan = paint("36");
const yellow = paint("33");
const red = paint("31");

const PREFIX = {
  v1: green("[v1]".padEnd(12)),
  v2: magenta("[v2 shadow]".padEnd(12)),
  worker: cyan("[worker]".padEnd(12)),
  build: yellow("[build]".padEnd(12)),
};
const say = (line = "") => process.stdout.write(line + "\n");
const heading = (title: string) => say(`\n${bold(`── ${title} `)}${dim("─".repeat(Math.max(3, 64 - title.length)))}`);
/** Highlights the authority each origin was told about, the point of the demo. */
const accent = (line: string) =>
  line.replace(/x-forwarded-host=(\S+)/, (_, host: string) => `x-forwarded-host=${bold(host.endsWith("-shadow:8000") ? magenta(host) : green(host))}`);

// During the replay, log lines are held and printed request by request; afterwards
// they are printed as they come.
let held: string[] | null = null;
const emit = (line: string) => (held ? held.push(line) : say(line));

// The first time v1 is called twice for one request, say why (once).
let noiseExplained = false;
function v1Line(line: string): void {
  emit(`${PREFIX.v1}${accent(line)}`);
  if (noiseExplained || !/ x-edge-mirror-noise=/.test(line)) return;
  noiseExplained = true;
  const why = [
    "↑ v1 again, for the same request: the worker's second call, a noise sample (x-edge-mirror-noise: 1).",
    `  ${COMPARE_POLICY} says noisePercent: 50, so half the compared GETs go to v1 twice; the client gets only`,
    "  the first answer. What differs between v1's two answers (timestamps, ids) is noise, not a v2 regression.",
  ];
  for (const text of why) emit(`${PREFIX.v1}${dim(text)}`);
}

// ---------------------------------------------------------------- wrangler dev

/** The worker's JSON log lines ({"event":"request",...,"shadows":[...]}: docs/operations.md "Logs") seen so far. */
const workerEvents: WorkerEvent[] = [];
let wrangler: WranglerDev | undefined;
let builtSummary = "";
let ready = false;
let stopping = false;

// Wrangler's chatter that says nothing about the worker (offline warnings and their
// stack, npm config warnings, banners, the per-request access line the JSON repeats).
const NOISE = [
  /Unable to fetch the `Request\.cf` object/,
  /ENOTFOUND/,
  /^\s+at /,
  /npm warn/i,
  /^\s*$/,
  /^\s*⛅️ wrangler/,
  /^─+$/,
  /^\[wrangler:info\] (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|CONNECT|TRACE) /,
  /^\[custom build\]\s*(Running:.*)?$/,
];

function onWranglerLine(line: string): void {
  const event = workerEvent(line);
  if (event) {
    workerEvents.push(event);
    // A capture batch written while an act runs is the capture act's to show (scripts/demo-capture.ts).
    if (event.event === "capture" && held) return;
    emit(`${PREFIX.worker}${dim(line)}`);
    return;
  }
  const built = /^\[custom build\] (edge-mirror: .*)$/.exec(line);
  if (built && !ready) builtSummary = shown(built[1]!);
  if (!ready || NOISE.some((re) => re.test(line))) return;
  // The build's "→ generated/routes.json" line: reportChange has said what changed, naming routes.yaml.
  if (built && / → generated\/routes\.json /.test(line)) return;
  // After startup: rebuilds when routes.yaml changes, reloads, wrangler's own errors.
  emit(`${PREFIX.build}${shown(line.replace(/^\[custom build\] /, ""))}`);
}

/** A line with the temp file's path replaced by the files it is made of. */
function shown(line: string): string {
  return served ? line.replaceAll(served.file, GATEWAY_API ? DIALECT.routes : `${DIALECT.routes} + ${COMPARE_POLICY}`) : line;
}

/** A save of the routes file: its errors, against the file the user edited, or that it is served again. */
function reportChange(state: ServedState): void {
  if (state.valid) {
    emit(`${PREFIX.build}${green(`${DIALECT.routes} is valid`)} (${state.summary}): wrangler dev reloads the worker with it`);
    return;
  }
  for (const error of state.errors) for (const line of error.split("\n")) emit(`${PREFIX.build}${red(line)}`);
  emit(
    `${PREFIX.build}${yellow(`until ${DIALECT.routes} is fixed, every request is answered ${BROKEN_STATUS} with ${state.errors.length === 1 ? "this error" : "these errors"}`)}` +
      dim(` (${CURL} shows it)`),
  );
}

function startWrangler(): WranglerDev {
  served ??= serveRoutes({ routes: DIALECT.routes, ...(GATEWAY_API ? {} : { append: COMPARE_POLICY }), onChange: reportChange });
  const dev = startWranglerDev({
    port: WORKER_PORT,
    routes: served.file,
    onLine: onWranglerLine,
    keepLines: 200,
    vars: { EDGE_MIRROR_ADMIN_TOKEN: ADMIN_TOKEN },
    // Each run's comparison counts (Durable Objects) start from nothing, beside the served routes.
    persistTo: join(dirname(served.file), "state"),
  });
  dev.child.on("exit", (code) => {
    if (stopping) return;
    say(`\n${red("edge-mirror demo: wrangler dev stopped unexpectedly")} (exit code ${code}).`);
    explainWrangler();
    void shutdown(1);
  });
  return dev;
}

/** Why wrangler did not come up: the routes compiler's own messages if it failed, else wrangler's last lines. */
function explainWrangler(): void {
  const wranglerLines = wrangler?.lines ?? [];
  const build = wranglerLines
    .filter((l) => l.startsWith("[custom build] ") && !NOISE.some((re) => re.test(l)))
    .map((l) => l.replace(/^\[custom build\] /, ""));
  const buildFailed = build.some((l) => / error: |nothing was built|cannot read/.test(l));
  const lines = buildFailed
    ? [...build, ...wranglerLines.filter((l) => l.includes("[ERROR]"))]
    : wranglerLines.filter((l) => !NOISE.slice(0, 4).some((re) => re.test(l))).slice(-25);
  if (lines.length === 0) return;
  say(buildFailed ? "The routes file did not compile:" : "wrangler dev's last lines:");
  for (const line of lines) say(dim(`  | ${line}`));
}

/** Fails with a one-line explanation when something already listens on `port`. */
function ensureFree(port: number, what: string, fix: string): Promise<void> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", (e: NodeJS.ErrnoException) =>
      fail(new DemoError(e.code === "EADDRINUSE" ? busy(port, what, fix) : `cannot listen on 127.0.0.1:${port} (${what}): ${e.message}`)),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => done()));
  });
}

const busy = (port: number, what: string, fix: string) =>
  `edge-mirror demo: port ${port} (${what}) is already in use — ${fix} (see what holds it: lsof -iTCP:${port} -sTCP:LISTEN)`;

class DemoError extends Error {}

// ---------------------------------------------------------------- the client

interface Answer {
  status?: number;
  statusText?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

function get(host: string, path: string): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = httpRequest(
      { host: "127.0.0.1", port: WORKER_PORT, path, agent: false, headers: { host, accept: "*/*", "user-agent": "edge-mirror-demo" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => done({ status: res.statusCode, statusText: res.statusMessage, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error("no answer from the worker within 15 s")));
    req.on("error", fail);
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate() && Date.now() < deadline) await sleep(50);
  return predicate();
}

// ---------------------------------------------------------------- the demo

const origins: Origin[] = [];

async function main(): Promise<void> {
  if (!existsSync(WRANGLER)) throw new DemoError("edge-mirror demo: wrangler is not installed here — run `npm install` first");

  say(bold("edge-mirror demo") + dim(` · Istio's "Traffic Management: Mirroring" walkthrough${GATEWAY_API ? ", Gateway API version" : ""}, at the edge`));

  // Origins first: their ports are fixed by the routes file, the worker's is not.
  let v1: Origin | undefined;
  let v2: Origin;
  try {
    v1 = await startOrigin({ name: "v1", port: V1_PORT, accessLog: v1Line });
    origins.push(v1);
    v2 = await startOrigin({ name: "v2", port: V2_PORT, accessLog: (line) => emit(`${PREFIX.v2}${accent(line)}`) });
    origins.push(v2);
  } catch (e) {
    if ((e as NodeJS.ErrnoException)?.code !== "EADDRINUSE") throw e;
    const port = v1 ? V2_PORT : V1_PORT;
    throw new DemoError(busy(port, `origin ${v1 ? "v2" : "v1"}, fixed by ${DIALECT.routes}'s ${DIALECT.origins}`, "stop whatever listens there and run npm start again"));
  }
  await ensureFree(WORKER_PORT, "worker", `stop the other server (another wrangler dev?) or pick another port: PORT=${WORKER_PORT + 1} npm start`);

  say("");
  say(`  ${green("v1")}      origin       http://127.0.0.1:${V1_PORT}   ${DIALECT.v1}: answers the client`);
  say(`  ${magenta("v2")}      origin       http://127.0.0.1:${V2_PORT}   ${DIALECT.v2}: gets the mirrored copy`);
  say(`  ${cyan("worker")}  wrangler dev http://127.0.0.1:${WORKER_PORT}   ${DIALECT.routes}: ${DIALECT.what}`);
  say("");
  // A file with errors at start: say so now, against the file, instead of starting a worker that only answers 503.
  served = serveRoutes({ routes: DIALECT.routes, ...(GATEWAY_API ? {} : { append: COMPARE_POLICY }), onChange: reportChange });
  const initial = served.state();
  if (!initial.valid) throw new DemoError([...initial.errors, `edge-mirror demo: ${DIALECT.routes} has errors; fix them and run npm start again`].join("\n"));
  process.stdout.write(dim(`  starting wrangler dev (about 10 s)… `));
  const started = Date.now();
  wrangler = startWrangler();
  await waitReady(wrangler, READY_TIMEOUT_MS).catch(() => {
    throw new Error(`wrangler dev was not ready on 127.0.0.1:${WORKER_PORT} after ${READY_TIMEOUT_MS / 1000} s`);
  });
  ready = true;
  say(dim(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`));
  if (builtSummary) say(dim(`  ${builtSummary}`));

  // ---- the replay
  held = [];
  const answers: Answer[] = [];
  const logs: string[][] = [];
  for (let i = 1; i <= REQUESTS; i++) {
    answers.push(await get(HOST, "/headers"));
    // The shadow is sent after the answer (fire-and-forget): give it a moment to land.
    await waitUntil(
      () =>
        v2.records.length >= i &&
        // A mirrored request's one line is written once its shadow has settled.
        shadowEvents(workerEvents).length >= i,
      SHADOW_WAIT_MS,
    );
    await sleep(50);
    logs.push(held.splice(0));
  }
  held = null;

  const first = answers[0]!;
  heading(`The client: curl http://${HOST}/headers`);
  say(dim(`$ ${CURL}`));
  say(`HTTP/1.1 ${first.status} ${first.statusText ?? ""}   ${bold(`x-origin: ${first.headers["x-origin"] ?? "(none)"}`)}`);
  say(first.body.trimEnd());
  say(dim("(Host is v1's own address: a worker cannot set Host, so the client's authority travels in X-Forwarded-Host)"));

  heading(`What each side logged (${REQUESTS} requests)`);
  logs.forEach((lines, i) => {
    say(dim(`request ${i + 1}`));
    for (const line of lines) say(line);
  });

  heading("What happened");
  const byV1 = answers.filter((a) => a.status === 200 && a.headers["x-origin"] === "v1").length;
  const shadows = v2.records.filter((r) => r.method === "GET" && r.url === "/headers" && r.headers["x-forwarded-host"] === "httpbin-shadow:8000");
  const sameIds = shadows.filter((s) => v1!.records.some((p) => p.headers["x-request-id"] === s.headers["x-request-id"])).length;
  const ok = byV1 === REQUESTS && shadows.length === REQUESTS && sameIds === REQUESTS;
  const mark = (good: boolean) => (good ? green("✓") : red("✗"));
  say(`  ${mark(byV1 === REQUESTS)} ${byV1} of ${REQUESTS} requests were answered by ${green("v1")} (200, x-origin: v1): the client only ever sees v1`);
  say(
    `  ${mark(shadows.length === REQUESTS)} ${magenta("v2")} received ${shadows.length} of ${REQUESTS} as shadow copies, with ` +
      `X-Forwarded-Host: ${magenta("httpbin-shadow:8000")}, the -shadow authority Envoy gives mirrored requests`,
  );
  say(`  ${mark(sameIds === REQUESTS)} ${sameIds} of ${REQUESTS} shadows carry the same X-Request-Id as v1's request; v2's answers were discarded`);
  if (!ok) say(yellow("  Not what the walkthrough shows: see the [worker] lines above for errors."));

  // The walkthrough continued: is v2 safe? (its own traffic's log lines are not shown)
  let compared = true;
  if (!GATEWAY_API) {
    held = [];
    compared = await compareAct({ port: WORKER_PORT, host: HOST, token: ADMIN_TOKEN, say, heading, styles: { bold, dim, green, red, magenta, yellow }, events: workerEvents });
    held = null;
    if (!compared) say(yellow("  Not what the comparison should show: see the lines above."));
  }

  // Record now, replay later (issue 20): capture the route's requests, replay them against v2.
  let replayed = true;
  if (!GATEWAY_API) {
    held = [];
    replayed = await captureAct({
      port: WORKER_PORT,
      host: HOST,
      token: ADMIN_TOKEN,
      routesFile: served!.file,
      v1Url: `http://127.0.0.1:${V1_PORT}`,
      v2Url: `http://127.0.0.1:${V2_PORT}`,
      say,
      heading,
      styles: { bold, dim, green, red, magenta, yellow },
      events: workerEvents,
    });
    held = null;
    if (!replayed) say(yellow("  Not what the replay should show: see the lines above."));
  }

  heading("Try it yourself");
  say(`  ${bold(CURL)}`);
  // The dashboard (src/dashboard/): the routes, their comparison, and the pause switch.
  say(`  ${bold(`http://127.0.0.1:${WORKER_PORT}/__edge-mirror/`)}  the dashboard in a browser; sign in with the admin token ${bold(ADMIN_TOKEN)}`);
  say(`  ${bold(`curl -H 'Authorization: Bearer ${ADMIN_TOKEN}' -d '{"percentCap": 0}' http://127.0.0.1:${WORKER_PORT}/__edge-mirror/api/mirroring`)}  pauses mirroring, no deploy ({"percentCap": null} resumes)`);
  if (!GATEWAY_API) {
    say(`  ${bold(`curl -H 'Authorization: Bearer ${ADMIN_TOKEN}' http://127.0.0.1:${WORKER_PORT}/__edge-mirror/api/report`)}`);
    say(`  ${bold(`npm run gate -- --url http://127.0.0.1:${WORKER_PORT} --token ${ADMIN_TOKEN}`)}`);
    say(`  ${bold(`npm run replay -- --url http://127.0.0.1:${WORKER_PORT} --token ${ADMIN_TOKEN} --route 'httpbin/http[0]' --target http://127.0.0.1:${V2_PORT} --routes routes.yaml`)}`);
  }
  say(dim(`  Edit ${DIALECT.routes} (try ${GATEWAY_API ? "percent: 50 under requestMirror" : "mirrorPercentage: {value: 50.0}"}); wrangler dev rebuilds it on save.`));
  say(dim(`  A mistake in it is reported here, at its line and column, and requests are answered ${BROKEN_STATUS} saying what is wrong until it is fixed.`));
  if (EXIT_AFTER_REPLAY) {
    say(dim("  (DEMO_EXIT_AFTER_REPLAY=1: stopping after the replay)"));
    await shutdown(ok && compared && replayed ? 0 : 1);
    return;
  }
  say(dim(`  Serving on http://127.0.0.1:${WORKER_PORT}; logs follow below. Press Ctrl-C to stop.`));
  say("");
}

// ---------------------------------------------------------------- shutdown

async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await wrangler?.stop();
  served?.stop();
  await Promise.all(origins.splice(0).map((o) => o.close().catch(() => {})));
  process.exit(code);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    say(dim(`\nStopping (${signal}): wrangler dev and the origins…`));
    void shutdown(0);
  });
}
// Last resort: never leave wrangler dev behind.
process.on("exit", () => killGroupNow(wrangler?.child.pid));

main().catch((e: unknown) => {
  if (e instanceof DemoError) say(red(e.message));
  else {
    say(red(`\nedge-mirror demo: ${e instanceof Error ? e.message : e}`));
    explainWrangler();
  }
  void shutdown(1);
});
