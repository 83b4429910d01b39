// Same-run A/B benchmarks of two builds of the worker (lab/bench/dashboard-ab.ts,
// lab/bench/before-after.ts): two loopback origins (a few lines of node:http), a
// routes file that sends GET to v1 and mirrors 100 % of it to v2, both builds served
// by `workerd serve` on CPU 0 at once, then wrk (on CPU 1, with the origins) against
// each in turn, the order alternating round by round so drift on a shared machine
// falls on both. Every round checks each request was mirrored. Reports medians and
// A / B ratios per round, as Markdown. Knobs: BENCH_ROUNDS (5), BENCH_DURATION (s, 5),
// BENCH_CONNECTIONS (32), BENCH_RATE (requests a second offered at a fixed rate; unset:
// as many as are answered).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { freePort } from "../../devkit/loopback";
import { cpuSeconds } from "../shared/procfs";
import { startWorkerd, workerdInfo } from "../shared/workerd";
import { pacedScript } from "./wrk";

const HOST = "bench:8000";

/** One build under test. */
export interface AbBuild {
  /** short name, for the log lines */
  name: string;
  /** the table row */
  label: string;
  /** one ES module */
  module: string;
  /** [binding, class] pairs: Durable Object classes the module exports, bound as env.<binding> */
  durableObjects: [string, string][];
  /** text bindings (env.<name>), e.g. the floor workers' V1 and V2 */
  bindings?: Record<string, string>;
}

export interface AbOptions {
  /** makes [A, B] from the routes file pointing at this run's origins; ratios are A / B */
  builds(routesYaml: string): Promise<[AbBuild, AbBuild]>;
  /** temp directory prefix */
  name: string;
}

export interface AbRound {
  build: string;
  round: number;
  /** requests v2 received per request measured: 1 when every request was mirrored */
  shadowsPerRequest: number;
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
}

export type AbMetric = "rps" | "p50" | "p99" | "cpuUsPerRequest";

export interface AbResult {
  builds: [AbBuild, AbBuild];
  /** gzipped size of each build, KiB */
  gzipKiB: [number, number];
  rounds: AbRound[];
  settings: { rounds: number; duration: number; connections: number; rate?: number };
}

/** The routes every A/B run serves: host `bench`, GET to v1, 100 % mirrored to v2 (the seed's route). */
export function mirroredRoutes(v1: number, v2: number): string {
  return `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bench}
spec:
  hosts: [bench]
  http:
  - route: [{destination: {host: origin, subset: v1}}]
    mirror: {host: origin, subset: v2}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: origin}
spec:
  host: origin
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: origin}
spec:
  hosts: [origin]
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints:
  - {address: 127.0.0.1, ports: {http: ${v1}}, labels: {version: v1}}
  - {address: 127.0.0.1, ports: {http: ${v2}}, labels: {version: v2}}
`;
}

const pin = (cpu: string, argv: string[]) => (spawnSync("taskset", ["-c", cpu, "true"]).status === 0 ? ["taskset", "-c", cpu, ...argv] : argv);

/** A loopback origin that answers every request with the same 200 (`ok` by default), keep-alive as production origins. */
export async function loopbackOrigin(body = "ok\n", contentType = "text/plain"): Promise<{ port: number; requests: () => number; close(): void }> {
  let requests = 0;
  const length = String(Buffer.byteLength(body));
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": contentType, "content-length": length }).end(body));
  });
  server.keepAliveTimeout = 65_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, requests: () => requests, close: () => server.close() };
}

async function serving(port: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    // node:http, not fetch(): fetch() does not let a caller set Host.
    const ok = await new Promise<boolean>((resolve) =>
      request({ host: "127.0.0.1", port, path: "/get", headers: { host: HOST } }, (res) => (res.resume(), resolve(res.statusCode === 200)))
        .on("error", () => resolve(false))
        .end(),
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`workerd on ${port} is not answering`);
}

/** wrk, spawned (not spawnSync: the origins answer from this process's event loop); `paced`: a pacing script (BENCH_RATE). */
function wrk(port: number, seconds: number, connections: number, paced?: string): Promise<{ rps: number; requests: number; p50: number; p99: number }> {
  const script = paced ? ["-s", paced] : [];
  const argv = pin("1", ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency", ...script, "-H", `Host: ${HOST}`, `http://127.0.0.1:${port}/get`]);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.stderr.on("data", (c: Buffer) => (out += c));
    child.once("exit", () => {
      const ms = (p: number) => {
        const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(out);
        return m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
      };
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
      if (!rps) reject(new Error(`wrk: ${out}`));
      else resolve({ rps, requests: Number(/(\d+) requests in/.exec(out)?.[1]), p50: ms(50), p99: ms(99) });
    });
  });
}

/** Serves both builds and measures them in interleaved rounds; throws unless every request was mirrored. */
export async function runAB(options: AbOptions): Promise<AbResult> {
  return (await runRounds(options)) as AbResult;
}

export interface RoundsOptions {
  /** the builds, from the routes file pointing at this run's origins and the origins' ports */
  builds(routesYaml: string, origins: { v1: number; v2: number }): Promise<AbBuild[]>;
  name: string;
}

/** runAB for any number of builds (lab/bench/hotpath.ts): rounds rotate the order, so each build runs in every position. */
export async function runRounds({ builds: makeBuilds, name }: RoundsOptions): Promise<Omit<AbResult, "builds" | "gzipKiB"> & { builds: AbBuild[]; gzipKiB: number[] }> {
  const settings = {
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    duration: Number(process.env.BENCH_DURATION ?? 5),
    connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
    ...(process.env.BENCH_RATE ? { rate: Number(process.env.BENCH_RATE) } : {}),
  };
  if (spawnSync("wrk", ["--version"]).error) throw new Error("wrk is not installed: apt-get install wrk");
  spawnSync("taskset", ["-p", "-c", "1", String(process.pid)]);
  const tmp = mkdtempSync(join(tmpdir(), `edge-mirror-${name}-`));
  const paced = settings.rate === undefined ? undefined : pacedScript(settings.rate, settings.connections, tmp);
  const [v1, v2] = [await loopbackOrigin(), await loopbackOrigin()];
  const procs: ChildProcess[] = [];
  const rounds: AbRound[] = [];
  try {
    const builds = await makeBuilds(mirroredRoutes(v1.port, v2.port), { v1: v1.port, v2: v2.port });
    const served: { build: AbBuild; proc: ChildProcess; port: number }[] = [];
    const workerd = workerdInfo();
    for (const [i, build] of builds.entries()) {
      const module = join(tmp, `worker-${i}.js`);
      writeFileSync(module, build.module);
      const port = await freePort();
      const durableObjects = build.durableObjects.map(([binding, className]) => ({ binding, className }));
      // Durable Objects on disk (lab/shared/workerd.ts): workerd's in-memory storage has no SQLite.
      const proc = startWorkerd({ workerd, dir: join(tmp, String(i)), module, port, bindings: build.bindings, durableObjects, stderr: 2, prefix: pin("0", []) });
      procs.push(proc);
      await serving(port);
      await wrk(port, 2, settings.connections); // warm-up
      served.push({ build, proc, port });
    }
    for (let round = 1; round <= settings.rounds; round++) {
      // Two builds alternate; more rotate, so each build runs in every position over the rounds.
      const shift = served.length === 2 ? 0 : (round - 1) % served.length;
      const rotated = [...served.slice(shift), ...served.slice(0, shift)];
      const order = round % 2 ? rotated : rotated.reverse();
      for (const { build, proc, port } of order) {
        const before = cpuSeconds([proc.pid!]);
        const shadowsBefore = v2.requests();
        const r = await wrk(port, settings.duration, settings.connections, paced);
        const cpu = cpuSeconds([proc.pid!]) - before;
        await new Promise((done) => setTimeout(done, 300));
        const shadowsPerRequest = (v2.requests() - shadowsBefore) / r.requests;
        rounds.push({ build: build.name, round, shadowsPerRequest, rps: r.rps, p50: r.p50, p99: r.p99, cpuUsPerRequest: (cpu / r.requests) * 1e6 });
        console.error(`round ${round} ${build.name.padEnd(12)} ${shadowsPerRequest.toFixed(2)} shadows/req, ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${((cpu / r.requests) * 1e6).toFixed(0)} µs CPU/req`);
      }
    }
    const unmirrored = rounds.filter((r) => r.shadowsPerRequest < 0.99);
    if (unmirrored.length > 0) throw new Error(`not every request was mirrored: ${unmirrored.map((r) => `${r.build} round ${r.round}: ${r.shadowsPerRequest.toFixed(2)}`).join(", ")}`);
    const gzipKiB = builds.map((b) => gzipSync(b.module, { level: 9 }).length / 1024);
    return { builds, gzipKiB, rounds, settings };
  } finally {
    for (const p of procs) p.kill("SIGKILL");
    v1.close();
    v2.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The median of one metric over one build's rounds. */
export function medianOf(result: AbResult, build: AbBuild, key: AbMetric): number {
  return median(result.rounds.filter((r) => r.build === build.name).map((r) => r[key]));
}

/** A / B of the medians. */
export function ratio(result: AbResult, key: AbMetric): number {
  return medianOf(result, result.builds[0], key) / medianOf(result, result.builds[1], key);
}

/** A / B round by round, two decimals. */
export function perRound(result: AbResult, key: AbMetric): string[] {
  const at = (build: AbBuild, round: number) => result.rounds.find((r) => r.build === build.name && r.round === round)![key];
  return Array.from({ length: result.settings.rounds }, (_, i) => (at(result.builds[0], i + 1) / at(result.builds[1], i + 1)).toFixed(2));
}

export interface AbMarkdownOptions {
  title: string;
  /** how the ratio line names A / B, e.g. "with / without" */
  ratioLabel: string;
  /** every metric's ratio per round, not only throughput's and CPU's */
  allPerRound?: boolean;
  /** paragraphs after the ratios */
  notes?: string[];
}

/** The report: settings, one row of medians per build, the ratios. */
export function abMarkdown(result: AbResult, { title, ratioLabel, allPerRound = false, notes = [] }: AbMarkdownOptions): string {
  const { rounds, duration, connections } = result.settings;
  const row = (i: 0 | 1) => {
    const b = result.builds[i];
    const m = (key: AbMetric) => medianOf(result, b, key);
    return `| ${b.label} | ${result.gzipKiB[i].toFixed(1)} | ${m("rps").toFixed(0)} | ${m("p50").toFixed(2)} ms | ${m("p99").toFixed(2)} ms | ${m("cpuUsPerRequest").toFixed(0)} |`;
  };
  const r = (key: AbMetric, withRounds: boolean) => `${ratio(result, key).toFixed(2)}${withRounds ? ` (per round ${perRound(result, key).join(", ")})` : ""}`;
  const ratios = `throughput ${r("rps", true)}, p50 ${r("p50", allPerRound)}, ${allPerRound ? `p99 ${r("p99", true)}, ` : ""}CPU per request ${r("cpuUsPerRequest", true)}`;
  return [
    `# ${title}`,
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${rounds} interleaved rounds of ${duration} s, wrk -t1 -c${connections}${result.settings.rate ? ` offering ${result.settings.rate} req/s (Poisson arrivals; BENCH_RATE)` : ""}, GET 100 % mirrored, workerd on CPU 0, wrk and origins on CPU 1. Medians.`,
    "",
    "| build | bundle KiB gzipped | req/s | p50 | p99 | workerd CPU µs / req |",
    "|---|---:|---:|---:|---:|---:|",
    row(0),
    row(1),
    "",
    `Ratios ${ratioLabel}: ${ratios}.`,
    "",
    ...notes.flatMap((n) => [n, ""]),
  ].join("\n");
}
