// npm run bench:profile -- [--compare] [--seconds N] [--top N] — where does the worker's
// CPU go under load? The working tree's worker (unminified, so functions keep their
// names) on `workerd serve` with the V8 inspector open, the A/B runner's route (GET
// 100 % mirrored; --compare adds a MirrorPolicy with compare: {}) in front of two
// loopback origins answering the same 1 KiB of JSON, wrk at full load, and a V8 CPU
// profile taken over the run through the inspector's Profiler domain. Prints the
// functions by self time (native work shows as "(program)", "fetch", "(garbage
// collector)", …) and writes the .cpuprofile (open it in Chrome DevTools → Performance).
// How compare's cost was split into the runtime's tee, reading and counting (issue 11).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { compileOrThrow } from "../../src/config/compile";
import { freePort } from "../../devkit/loopback";
import { bundleWorker } from "../shared/bundle";
import { startWorkerd, workerdInfo } from "../shared/workerd";
import { loopbackOrigin, mirroredRoutes } from "./ab-runner";

const COMPARE_POLICY = `
---
apiVersion: edge-mirror.dev/v1alpha1
kind: MirrorPolicy
metadata: {name: bench}
spec:
  targetRef: {virtualService: bench}
  compare: {}
`;
const BODY = JSON.stringify({ items: Array.from({ length: 11 }, (_, i) => ({ id: i, name: `item ${i}`, price: i * 1.5, tags: ["a", "b"], ok: true })) });

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function wrk(port: number, seconds: number): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn("taskset", ["-c", "1", "wrk", "-t1", "-c32", `-d${seconds}s`, "--latency", "-H", "Host: bench:8000", `http://127.0.0.1:${port}/get`]);
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.once("exit", () => resolve(out));
  });
}

/** The Chrome DevTools protocol over the inspector's WebSocket: one call at a time. */
async function inspector(port: number): Promise<{ call(method: string, params?: object): Promise<any>; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/main`);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result), waiting.delete(message.id);
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** Self time per function, largest first, as % of the profile. */
function selfTimes(profile: CpuProfile): [string, number][] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((node, i) => byNode.set(node, (byNode.get(node) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    total += us;
    const f = node.callFrame;
    const name = `${f.functionName || "(anonymous)"}${f.url ? ` ${f.url.split("/").pop()}:${f.lineNumber + 1}` : ""}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  }
  return [...byFunction].map(([name, us]): [string, number] => [name, (100 * us) / total]).sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { compare: { type: "boolean", default: false }, seconds: { type: "string", default: "6" }, top: { type: "string", default: "40" } } });
  if (spawnSync("wrk", ["--version"]).error) throw new Error("wrk is not installed: apt-get install wrk");
  spawnSync("taskset", ["-p", "-c", "1", String(process.pid)]);
  const [v1, v2] = [(await loopbackOrigin(BODY, "application/json")).port, (await loopbackOrigin(BODY, "application/json")).port];
  const routes = mirroredRoutes(v1, v2) + (values.compare ? COMPARE_POLICY : "");
  const dir = mkdtempSync(join(tmpdir(), "edge-mirror-profile-"));
  const module = join(dir, "worker.js");
  writeFileSync(module, await bundleWorker(compileOrThrow(routes, "profile.yaml")));
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const proc = startWorkerd({
    workerd: workerdInfo(),
    dir,
    module,
    port,
    inspectorPort,
    stderr: 2,
    prefix: spawnSync("taskset", ["-c", "0", "true"]).status === 0 ? ["taskset", "-c", "0"] : [],
    durableObjects: [{ binding: "COMPARE_STORE", className: "CompareStore" }],
  });
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await wrk(port, 3); // warm-up
    const devtools = await inspector(inspectorPort);
    await devtools.call("Profiler.enable");
    await devtools.call("Profiler.setSamplingInterval", { interval: 200 });
    await devtools.call("Profiler.start");
    const out = await wrk(port, Number(values.seconds));
    const { profile } = (await devtools.call("Profiler.stop")) as { profile: CpuProfile };
    devtools.close();
    const file = join(dir, `${values.compare ? "compared" : "mirrored"}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`${values.compare ? "compared" : "mirrored"}: ${/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]} req/s under the profiler (it slows the worker); profile in ${file}`);
    for (const [name, percent] of selfTimes(profile).slice(0, Number(values.top))) console.log(`${percent.toFixed(1).padStart(5)} %  ${name}`);
  } finally {
    proc.kill("SIGKILL");
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(`bench:profile: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
