// `npm start`, second act: "is v2 safe?" The demo serves routes.yaml with
// scripts/demo-compare.yaml's MirrorPolicy appended (comparison on), sends traffic to
// a path where v2 changes one field and both versions stamp each answer with a
// timestamp (noise), then shows the worker's report — verdict, divergent field,
// noise — and what `npm run gate` says about it.
import type { RouteReport } from "../src/compare/report";
import { shadowEvents } from "../devkit/wrangler-dev";
import { get, runTool, sleep, type ActOptions } from "./demo-act";

export const COMPARE_POLICY = "scripts/demo-compare.yaml";
/** The path the act sends: v2 answers plan "Free" where v1 says "free"; both stamp servedAt and a nonce. */
const PATH = "/compare/demo";
const REQUESTS = 40;
const WAIT_MS = 20_000;

async function gate(port: number, token: string): Promise<{ code: number; output: string }> {
  const run = await runTool("src/tools/gate.ts", ["--url", `http://127.0.0.1:${port}`], token);
  return { code: run.code, output: run.stdout + run.stderr };
}

/** Runs the act; true when it showed what it should (a fail naming /body/user/plan, the timestamp as noise, gate exit 1). */
export async function compareAct({ port, host, token, say, heading, styles, events }: ActOptions): Promise<boolean> {
  const { bold, dim, green, red, magenta, yellow } = styles;
  heading("Is v2 safe? Comparing v1's and v2's answers");
  say(`  ${COMPARE_POLICY} (appended to routes.yaml) turns on ${bold("compare")} for VirtualService httpbin: the worker`);
  say("  compares every mirrored request's answers field by field, after the client has v1's; half the GETs also go");
  say("  to v1 twice, so what differs between v1 and itself (timestamps, ids) is known to be noise.");
  say(dim(`  Sending ${REQUESTS} × GET ${PATH}: v2 writes one field differently, and both stamp each answer with the time.`));

  const compared = () => shadowEvents([...events]).filter((s) => s.compared === true).length;
  const before = compared();
  let byV1 = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const answer = await get(port, host, PATH);
    if (answer.status === 200 && answer.body.includes('"plan": "free"')) byV1++;
  }
  const deadline = Date.now() + WAIT_MS;
  while (compared() - before < REQUESTS && Date.now() < deadline) await sleep(100);
  say(`  ${byV1 === REQUESTS ? green("✓") : red("✗")} ${byV1} of ${REQUESTS} answers were v1's; ${compared() - before} comparisons done in the worker, after the answers`);

  const res = await get(port, host, "/__edge-mirror/api/report", { authorization: `Bearer ${token}` });
  if (res.status !== 200) {
    say(red(`  GET /__edge-mirror/api/report answered ${res.status}: ${res.body.trim()}`));
    return false;
  }
  const route = (JSON.parse(res.body) as { routes: RouteReport[] }).routes[0];
  if (!route) {
    say(red("  the report lists no compared route"));
    return false;
  }
  say("");
  say(dim(`$ curl -H 'Authorization: Bearer ${token}' http://127.0.0.1:${port}/__edge-mirror/api/report`));
  const verdictColour = route.verdict === "pass" ? green : route.verdict === "fail" ? red : yellow;
  say(
    `  ${route.virtualService}/${route.route} → ${route.mirror}: ${route.compared} compared, ${route.divergent} divergent ` +
      `(${route.divergencePercent} %, 95 % CI ${route.confidenceInterval.low}–${route.confidenceInterval.high} %), ` +
      `verdict ${bold(verdictColour(route.verdict.toUpperCase()))}`,
  );
  for (const f of route.fields) {
    const colour = f.status === "divergent" ? red : f.status === "noise" ? yellow : dim;
    say(`    ${colour(f.status.padEnd(9))} ${f.path.padEnd(34)} ${f.kind.padEnd(7)} v1≠v2 in ${f.divergent}, v1≠v1 in ${f.noise} of ${route.noiseSamples} noise samples`);
  }
  const example = route.examples.find((e) => e.differences.some((d) => d.path === "/body/user/plan"));
  const pair = example?.differences.find((d) => d.path === "/body/user/plan");
  if (example && pair) say(`    example ${example.requestId}: ${green(`v1 ${pair.v1}`)}  ${magenta(`v2 ${pair.v2}`)}`);

  say("");
  say(dim(`$ npm run gate -- --url http://127.0.0.1:${port} --token ${token}`));
  const judged = await gate(port, token);
  for (const line of judged.output.trimEnd().split("\n")) say(`  ${line}`);
  const meaning = judged.code === 0 ? "pass: roll v2 out" : judged.code === 1 ? "fail: do not roll v2 out" : judged.code === 3 ? "inconclusive: wait for more traffic" : "could not judge";
  say(`  exit code ${bold(String(judged.code))} (${meaning})`);

  const divergent = route.fields.filter((f) => f.status === "divergent").map((f) => f.path);
  // The fields v2 differs in as often as v1 differs from itself (not those seen between v1 and v1 only).
  const noise = route.fields.filter((f) => f.status === "noise" && f.divergent > 0).map((f) => f.path);
  say("");
  const they = noise.length === 1 ? ["differs", "it is"] : ["differ", "they are"];
  say(`  The divergent field is ${bold(divergent.join(", ") || "none")}; ${noise.join(" and ") || "nothing"} ${they[0]} between v1 and itself as often,`);
  say(`  so ${they[1]} noise, not a regression.`);
  return route.verdict === "fail" && divergent.includes("/body/user/plan") && noise.includes("/body/servedAt") && judged.code === 1;
}
