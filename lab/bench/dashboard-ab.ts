// npm run bench:dashboard — what the dashboard and the pause switch (issue 12) cost
// proxied traffic: the same GET, 100 % mirrored, through two builds of the worker in
// the same run, interleaved round by round on `workerd serve`:
//   with     src/index.ts as deployed (minified like wrangler.toml), MIRROR_SWITCH and
//            COMPARE_STORE bound: every request does the switch's cached lookup
//   without  the same build with src/dashboard/dashboard.tsx replaced by a stub that
//            serves nothing, and no MIRROR_SWITCH binding: the worker before issue 12
// workerd runs on CPU 0; wrk and the loopback origins (a few lines of node:http) on
// CPU 1. Reports requests/s, p50, p99 and workerd CPU per request, per round and as
// medians, and the ratios; writes lab/bench/DASHBOARD.md. Knobs: BENCH_ROUNDS (5),
// BENCH_DURATION (s, 5), BENCH_CONNECTIONS (32).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { compileOrThrow } from "../../src/config/compile";
import { compatibilityDate } from "../../test/support/compatibility-date";
import { freePort } from "../../test/support/loopback";
import { bundleWorker, WITHOUT_DASHBOARD } from "../shared/bundle";
import { cpuSeconds } from "../shared/procfs";
import { workerdInfo } from "../shared/workerd";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const HOST = "bench:8000";
const OUT = new URL("./DASHBOARD.md", import.meta.url);

const pin = (cpu: string, argv: string[]) => (spawnSync("taskset", ["-c", cpu, "true"]).status === 0 ? ["taskset", "-c", cpu, ...argv] : argv);

function routes(v1: number, v2: number): string {
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

/** A loopback origin that answers every request with a small 200, keep-alive as production origins. */
async function origin(): Promise<{ port: number; requests: () => number; close(): void }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "text/plain", "content-length": "3" }).end("ok\n"));
  });
  server.keepAliveTimeout = 65_000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port, requests: () => requests, close: () => server.close() };
}

interface Build {
  name: "with" | "without";
  module: string;
  gzipKiB: number;
  durableObjects: string[][];
  proc?: ChildProcess;
  port?: number;
}

/** workerd's config; Durable Objects on disk in `dir` (in-memory storage has no SQLite: the classes' SQL would fail). */
function capnp(build: Build, port: number, dir: string): string {
  const bindings = build.durableObjects.map(([binding, cls]) => `(name = "${binding}", durableObjectNamespace = "${cls}")`).join(", ");
  const namespaces = build.durableObjects.map(([, cls]) => `(className = "${cls}", uniqueKey = "ab-${cls}", enableSql = true)`).join(", ");
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker), (name = "internet", network = (allow = ["public", "private", "local"])), (name = "do-disk", disk = (path = "${dir}/do", writable = true))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "${compatibilityDate()}",
  bindings = [${bindings}],
  durableObjectNamespaces = [${namespaces}],
  durableObjectStorage = (localDisk = "do-disk"),
  globalOutbound = "internet",
);`;
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

interface Round {
  build: string;
  round: number;
  /** requests v2 received per request measured: 1 when every request was mirrored */
  shadowsPerRequest: number;
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
}

/** wrk, spawned (not spawnSync: the origins answer from this process's event loop). */
function wrk(port: number, seconds: number): Promise<{ rps: number; requests: number; p50: number; p99: number }> {
  const argv = pin("1", ["wrk", "-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-H", `Host: ${HOST}`, `http://127.0.0.1:${port}/get`]);
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  if (spawnSync("wrk", ["--version"]).error) throw new Error("wrk is not installed: apt-get install wrk");
  spawnSync("taskset", ["-p", "-c", "1", String(process.pid)]);
  const tmp = mkdtempSync(join(tmpdir(), "edge-mirror-dashboard-ab-"));
  const [v1, v2] = [await origin(), await origin()];
  const table = compileOrThrow(routes(v1.port, v2.port), "dashboard-ab.yaml");
  const builds: Build[] = [
    { name: "with", module: await bundleWorker(table, { minify: true }), gzipKiB: 0, durableObjects: [["COMPARE_STORE", "CompareStore"], ["MIRROR_SWITCH", "MirrorSwitch"]] },
    { name: "without", module: await bundleWorker(table, { minify: true, replace: [WITHOUT_DASHBOARD] }), gzipKiB: 0, durableObjects: [["COMPARE_STORE", "CompareStore"]] },
  ];
  const { bin } = workerdInfo();
  for (const b of builds) {
    b.gzipKiB = gzipSync(b.module, { level: 9 }).length / 1024;
    const dir = join(tmp, b.name);
    spawnSync("mkdir", ["-p", join(dir, "do")]);
    writeFileSync(join(dir, "worker.js"), b.module);
    b.port = await freePort();
    writeFileSync(join(dir, "config.capnp"), capnp(b, b.port, dir));
    const argv = pin("0", [bin, "serve", join(dir, "config.capnp")]);
    b.proc = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "inherit"] });
    await serving(b.port);
    await wrk(b.port, 2); // warm-up
  }
  const rounds: Round[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const order = round % 2 ? builds : [...builds].reverse();
      for (const b of order) {
        const before = cpuSeconds([b.proc!.pid!]);
        const shadowsBefore = v2.requests();
        const r = await wrk(b.port!, DURATION);
        const cpu = cpuSeconds([b.proc!.pid!]) - before;
        await new Promise((done) => setTimeout(done, 300));
        const shadowsPerRequest = (v2.requests() - shadowsBefore) / r.requests;
        rounds.push({ build: b.name, round, shadowsPerRequest, rps: r.rps, p50: r.p50, p99: r.p99, cpuUsPerRequest: (cpu / r.requests) * 1e6 });
        console.error(`round ${round} ${b.name.padEnd(7)} ${shadowsPerRequest.toFixed(2)} shadows/req, ${r.rps.toFixed(0)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${((cpu / r.requests) * 1e6).toFixed(0)} µs CPU/req`);
      }
    }
  } finally {
    for (const b of builds) b.proc?.kill("SIGKILL");
    v1.close();
    v2.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  const unmirrored = rounds.filter((r) => r.shadowsPerRequest < 0.99);
  if (unmirrored.length > 0) throw new Error(`not every request was mirrored: ${unmirrored.map((r) => `${r.build} round ${r.round}: ${r.shadowsPerRequest.toFixed(2)}`).join(", ")}`);
  const of = (name: string, key: keyof Round) => rounds.filter((r) => r.build === name).map((r) => r[key] as number);
  const m = (name: string, key: keyof Round) => median(of(name, key));
  const ratio = (key: keyof Round) => m("with", key) / m("without", key);
  const perRound = (key: keyof Round) =>
    Array.from({ length: ROUNDS }, (_, i) => (rounds.find((r) => r.build === "with" && r.round === i + 1)![key] as number) / (rounds.find((r) => r.build === "without" && r.round === i + 1)![key] as number)).map((x) => x.toFixed(2));
  const row = (name: string, b: Build) => `| ${name} | ${b.gzipKiB.toFixed(1)} | ${m(b.name, "rps").toFixed(0)} | ${m(b.name, "p50").toFixed(2)} ms | ${m(b.name, "p99").toFixed(2)} ms | ${m(b.name, "cpuUsPerRequest").toFixed(0)} |`;
  const md = [
    "# The dashboard's cost to proxied traffic (npm run bench:dashboard)",
    "",
    `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${ROUNDS} interleaved rounds of ${DURATION} s, wrk -t1 -c${CONNECTIONS}, GET 100 % mirrored, workerd on CPU 0, wrk and origins on CPU 1. Medians.`,
    "",
    "| build | bundle KiB gzipped | req/s | p50 | p99 | workerd CPU µs / req |",
    "|---|---:|---:|---:|---:|---:|",
    row("with the dashboard and the pause switch (as deployed)", builds[0]!),
    row("without (dashboard stubbed, no MIRROR_SWITCH binding)", builds[1]!),
    "",
    `Ratios with / without: throughput ${ratio("rps").toFixed(2)} (per round ${perRound("rps").join(", ")}), p50 ${ratio("p50").toFixed(2)}, CPU per request ${ratio("cpuUsPerRequest").toFixed(2)} (per round ${perRound("cpuUsPerRequest").join(", ")}).`,
    "",
  ].join("\n");
  writeFileSync(OUT, md);
  process.stdout.write(md);
}

main().catch((e: unknown) => {
  console.error(`bench:dashboard: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
});
