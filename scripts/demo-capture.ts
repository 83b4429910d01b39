// `npm start`, third act: "record now, replay later" (issue 20). scripts/demo-compare.yaml
// also turns on MirrorPolicy `capture` (percent: 100) for VirtualService httpbin, so the
// worker records each request and v1's answer to the local R2 bucket (CAPTURES, under
// wrangler dev's state). The act sends the compare act's requests again, waits for the
// batch to be written (at most 10 s after its first record), reads the records back
// through the captures API, and replays them against v2 with `npm run replay`, v1 as
// the baseline for noise: the same verdict as live comparison, without v2 taking traffic.
import { get, runTool, sleep, type ActOptions } from "./demo-act";
import { COMPARE_POLICY } from "./demo-compare";

/** v2 answers plan "Free" where v1 says "free"; both stamp servedAt and a nonce (devkit/compare-answers.ts). */
const PATH = "/compare/demo";
const REQUESTS = 20;
const ROUTE = "httpbin/http[0]";
/** A batch is written 10 s after its first record (src/capture/batcher.ts); a few seconds more on a busy machine. */
const BATCH_WAIT_MS = 15_000;

export interface CaptureActOptions extends ActOptions {
  /** the routes file wrangler dev serves (routes.yaml + the policy): replay reads the route's compare settings from it */
  routesFile: string;
  v1Url: string;
  v2Url: string;
}

/** `npm run replay` as a user runs it (the token from the environment, not the command line). */
const replay = (args: string[], token: string) => runTool("src/tools/replay.ts", args, token);

/** Runs the act; true when it showed what it should (every request captured and replayed, verdict fail naming /body/user/plan, exit 1). */
export async function captureAct(o: CaptureActOptions): Promise<boolean> {
  const { bold, dim, green, red, yellow } = o.styles;
  const { say } = o;
  o.heading("Record now, replay later: capture, then npm run replay");
  say(`  ${COMPARE_POLICY} also sets ${bold("capture: {percent: 100}")}: the worker records each request to the route and`);
  say("  v1's answer (secrets replaced) to an R2 bucket, after the client has its answer. Later, in CI or on a laptop,");
  say("  `npm run replay` sends those requests to a build that takes no live traffic and compares its answers with v1's.");
  const flushedSoFar = () => o.events.filter((e) => e.event === "capture" && e.outcome === "flushed").length;
  const flushedBefore = flushedSoFar();
  const from = new Date().toISOString();
  say(dim(`  1. Sending ${REQUESTS} × GET ${PATH} through the worker (the compare act's requests).`));
  let byV1 = 0;
  for (let i = 0; i < REQUESTS; i++) if ((await get(o.port, o.host, PATH)).status === 200) byV1++;
  await sleep(5);
  const to = new Date().toISOString();
  const sentAt = Date.now();

  say(dim("  2. Waiting for the batch: records are written per isolate in gzipped NDJSON batches, 10 s after the first (or at 1 MiB)."));
  // The open batch holds the last request: the first batch written after it was sent holds it.
  const flushedAtSent = flushedSoFar();
  while (flushedSoFar() === flushedAtSent && Date.now() - sentAt < BATCH_WAIT_MS) await sleep(100);
  const flushedNow = o.events.filter((e) => e.event === "capture" && e.outcome === "flushed").slice(flushedBefore);
  for (const e of flushedNow) say(dim(`     written: ${String(e.key)} (${String(e.records)} records, ${String(e.bytes)} bytes gzipped)`));

  const api = `/__edge-mirror/api/captures?route=${encodeURIComponent(ROUTE)}&from=${from}&to=${to}`;
  say(dim(`  3. Reading them back: $ curl -H 'Authorization: Bearer ${o.token}' 'http://127.0.0.1:${o.port}${api}'`));
  const res = await get(o.port, o.host, api, { authorization: `Bearer ${o.token}` });
  const records = res.status === 200 ? res.body.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { request: { method: string; url: string }; response?: { status: number } }) : [];
  const first = records[0];
  say(
    `  ${records.length === REQUESTS && byV1 === REQUESTS ? green("✓") : red("✗")} ${records.length} of ${REQUESTS} requests captured` +
      (first ? ` (application/x-ndjson, one record a line: ${first.request.method} ${first.request.url} → v1 ${first.response?.status ?? "?"}, …)` : res.status === 200 ? "" : `: the API answered ${res.status} ${res.body.trim()}`),
  );

  const args = [
    "--url", `http://127.0.0.1:${o.port}`, "--route", ROUTE, "--from", from, "--to", to,
    "--target", o.v2Url, "--baseline", o.v1Url, "--speed", "max", "--routes", o.routesFile,
  ];
  say("");
  say(dim(`  4. Replaying them against v2, v1 as the baseline (what differs between v1 then and v1 now is noise):`));
  say(dim(`$ EDGE_MIRROR_ADMIN_TOKEN=${o.token} npm run replay -- ${args.map((a) => (/[\s[\]]/.test(a) ? `'${a}'` : a)).join(" ").replace(o.routesFile, `<routes.yaml + ${COMPARE_POLICY}>`)}`));
  const run = await replay(args, o.token);
  for (const line of run.stdout.trimEnd().split("\n")) say(`  ${line}`);
  // Progress lines (one per tenth, not a terminal) are left out; anything else replay said is shown.
  for (const line of run.stderr.split("\n").filter((l) => l && !/^replay: \d+\/\d+ done/.test(l))) say(`  ${yellow(line)}`);
  const meaning = run.code === 0 ? "pass" : run.code === 1 ? "fail: v2 is not ready to take this traffic" : run.code === 3 ? "inconclusive" : "could not replay";
  say(`  exit code ${bold(String(run.code))} (${meaning}): the same verdict as the live comparison, and v2 took no live traffic for it.`);
  return records.length === REQUESTS && byV1 === REQUESTS && run.code === 1 && /\/body\/user\/plan/.test(run.stdout);
}
