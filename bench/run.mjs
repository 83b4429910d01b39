#!/usr/bin/env node
// npm run bench — edge-mirror against the floor and nginx's mirror module, on
// loopback, in one run, side by side (issue 5). Not part of `npm test`.
//
// Systems under test (each gets CPU 0 to itself when the machine has 2+ cores):
//   project  the worker as users deploy it (`wrangler deploy --dry-run` bundle,
//            bench/routes.template.yaml: 100 % mirrored to v2) on `workerd serve`
//   floor    bench/floor-worker.js — forward to v1, bodiless copy to v2 in
//            waitUntil, its answer read to the end — on the same workerd: the
//            limit of this runtime
//   floor-cancel  the same, the shadow's answer dropped with body.cancel()
//            (GET, fast v2 only: shows what a closed connection per shadow costs)
//   floor-headers  bench/floor-headers-worker.js — the floor plus the header work
//            Istio's semantics require (X-Forwarded-*, x-request-id, hop-by-hop
//            removal, a -shadow copy of the headers, a shadow deadline), nothing
//            else (GET, fast v2 only: splits the project's cost into job and project)
//   nginx    Debian's nginx, `mirror` directive, in front of the same origins
// Origins (CPU 1, with wrk): nginx `return 200` for v1 and v2; for the slow
// shadow, v2 is reloaded to answer after 200 ms (echo module's echo_sleep).
//
// Writes bench/RESULTS.md (included by the README) and bench/results.json.
// Knobs (environment): BENCH_DURATION (s per run, 5), BENCH_WARMUP (s, 2),
// BENCH_CONNECTIONS (32), BENCH_ROUNDS (GET runs per system, 5),
// BENCH_SYSTEMS (comma list, default all), BENCH_SCENARIOS (comma list of
// get-fast,get-slow,post-1k,post-512k), BENCH_PIN=0 (no taskset),
// BENCH_KEEP=1 (keep the temp dir), BENCH_OUT (directory for the reports),
// BENCH_RETRIES (how many runs disturbed by other processes may be repeated, 8).
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { freePort } from "../test/support/loopback.ts";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH);
const HOST_HEADER = "httpbin:8000";
const PATH = "/get";
const ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so";

const env = process.env;
const num = (name, fallback) => (env[name] ? Number(env[name]) : fallback);
const list = (name, fallback) => (env[name] ? env[name].split(",").map((s) => s.trim()) : fallback);
const CPUS = os.availableParallelism();
const CONFIG = {
  duration: num("BENCH_DURATION", 5),
  warmup: num("BENCH_WARMUP", 2),
  connections: num("BENCH_CONNECTIONS", 32),
  threads: 1,
  rounds: num("BENCH_ROUNDS", 5),
  slowMs: 200,
  pin: env.BENCH_PIN !== "0" && CPUS >= 2,
  keep: env.BENCH_KEEP === "1",
  systems: list("BENCH_SYSTEMS", ["project", "floor", "floor-headers", "floor-cancel", "nginx"]),
  scenarios: list("BENCH_SCENARIOS", ["get-fast", "get-slow", "post-1k", "post-512k"]),
  out: env.BENCH_OUT ? path.resolve(env.BENCH_OUT) : BENCH,
  /** how many runs disturbed by other processes may be repeated, in all */
  retries: num("BENCH_RETRIES", 8),
};
let retriesLeft = CONFIG.retries;
const SUT_CPU = "0";
const LOAD_CPU = "1";

// GET scenarios run in rounds (fast then slow, v2 reloaded in between, every system
// in each), so drift on a shared machine hits both sides of every ratio alike.
const SCENARIOS = {
  "get-fast": { label: "GET, fast v2", method: "GET", body: 0, v2: "fast", rounds: CONFIG.rounds },
  "get-slow": { label: `GET, v2 answers after ${CONFIG.slowMs} ms`, method: "GET", body: 0, v2: "slow", rounds: CONFIG.rounds },
  "post-1k": { label: "POST 1 KiB, fast v2", method: "POST", body: 1024, v2: "fast", rounds: 1 },
  "post-512k": { label: "POST 512 KiB, fast v2", method: "POST", body: 512 * 1024, v2: "fast", rounds: 1 },
};
const SYSTEM_LABELS = {
  project: "edge-mirror (project)",
  floor: "floor worker",
  "floor-cancel": "floor, shadow answer cancel()ed",
  "floor-headers": "floor + Istio's header work",
  nginx: "nginx mirror",
};
/** Systems measured only in some scenarios. */
const ONLY_IN = { "floor-cancel": ["get-fast"], "floor-headers": ["get-fast"] };

// ---------------------------------------------------------------- processes

/** @type {Set<{ name: string, child: import("node:child_process").ChildProcess, kind: string }>} */
const running = new Set();
let tmp = "";
let exiting = false;

function cleanupSync() {
  for (const p of running) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    // nginx: TERM is its fast shutdown (the master stops its workers); KILL would orphan them.
    const workers = p.kind === "nginx" ? childPids(p.child.pid) : [];
    try {
      process.kill(p.child.pid, "SIGTERM");
    } catch {}
    if (p.kind !== "nginx") continue;
    setTimeoutSync(200);
    for (const w of workers) {
      try {
        process.kill(w, "SIGKILL");
      } catch {}
    }
  }
  running.clear();
  if (tmp && !CONFIG.keep) rmSync(tmp, { recursive: true, force: true });
}

function setTimeoutSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

process.on("exit", () => {
  if (!exiting) cleanupSync();
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}: stopping everything it started`);
    process.exit(130);
  });
}

function pinned(cpu, argv) {
  return CONFIG.pin ? ["taskset", "-c", cpu, ...argv] : argv;
}

/** Starts a long-running process; stdout goes to /dev/null, stderr to a file. */
function start(name, kind, argv, cpu) {
  const errPath = path.join(tmp, `${name}.stderr`);
  const errFd = openSync(errPath, "w");
  const cmd = pinned(cpu, argv);
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "ignore", errFd] });
  closeSync(errFd);
  const proc = { name, kind, child, errPath, stopping: false };
  running.add(proc);
  child.once("exit", (code, signal) => {
    running.delete(proc);
    if (!proc.stopping && !exiting) {
      console.error(`bench: ${name} exited unexpectedly (${signal ?? code})\n${tail(errPath)}`);
    }
  });
  return proc;
}

async function stop(proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.stopping = true;
  const exited = new Promise((resolve) => proc.child.once("exit", resolve));
  proc.child.kill("SIGTERM");
  const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    for (const w of childPids(proc.child.pid)) {
      try {
        process.kill(w, "SIGKILL");
      } catch {}
    }
    proc.child.kill("SIGKILL");
    await exited;
  }
}

function alive(proc) {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The pids whose CPU and memory are the system's: workerd itself, or nginx's workers. */
function sutPids(proc) {
  return proc.kind === "nginx" ? childPids(proc.child.pid) : [proc.child.pid];
}

/** user + system CPU time in seconds (clock ticks are 1/100 s on Linux). */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / 100;
}

function statusKiB(pids, field) {
  let kib = 0;
  for (const pid of pids) {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) kib += Number(m[1]);
    } catch {}
  }
  return kib;
}

/** Busy and total jiffies per CPU from /proc/stat. */
function cpuTimes() {
  const out = {};
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const v = m[2].trim().split(/\s+/).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    out[m[1]] = { busy: total - v[3] - v[4], total };
  }
  return out;
}

function busyPercent(before, after, cpu) {
  const b = before[cpu];
  const a = after[cpu];
  if (!a || !b || a.total === b.total) return null;
  return (100 * (a.busy - b.busy)) / (a.total - b.total);
}

// ---------------------------------------------------------------- helpers


function request(port, { method = "GET", path: p = "/", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }),
      );
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

async function waitUntilServing(port, proc, what, headers = {}) {
  const deadline = Date.now() + 15_000;
  let last;
  while (Date.now() < deadline) {
    if (proc && !alive(proc)) throw new Error(`${what} did not start:\n${tail(proc.errPath)}`);
    try {
      const res = await request(port, { path: PATH, headers });
      if (res.status === 200) return res;
      last = `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
    } catch (e) {
      last = /** @type {Error} */ (e).message;
    }
    await sleep(100);
  }
  throw new Error(`${what} is not answering on 127.0.0.1:${port} (${last})${proc ? `\n${tail(proc.errPath)}` : ""}`);
}

function render(template, values) {
  const text = readFileSync(path.join(BENCH, template), "utf8");
  return text.replace(/\{\{(\w+)\}\}/g, (_, key) => {
    if (!(key in values)) throw new Error(`${template}: no value for {{${key}}}`);
    return String(values[key]);
  });
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...options });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`, status: r.status };
}

function has(cmd) {
  return run("sh", ["-c", `command -v ${cmd}`]).ok;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// ---------------------------------------------------------------- setup

function ensureTools() {
  const missing = [];
  if (!has("nginx")) missing.push("nginx-light");
  if (!existsSync(ECHO_MODULE)) missing.push("libnginx-mod-http-echo");
  if (!has("wrk")) missing.push("wrk");
  if (!has("taskset")) missing.push("util-linux");
  if (missing.length === 0) return;
  const install = `apt-get install -y ${missing.join(" ")}`;
  if (process.getuid?.() !== 0 || !has("apt-get")) {
    throw new Error(`the bench needs ${missing.join(", ")}: run \`${install}\` (Debian) as root, then npm run bench again`);
  }
  console.error(`bench: installing ${missing.join(", ")} (apt-get)`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: "noninteractive" };
  let r = run("apt-get", ["install", "-y", ...missing], { env: aptEnv });
  if (!r.ok) {
    run("apt-get", ["update"], { env: aptEnv });
    r = run("apt-get", ["install", "-y", ...missing], { env: aptEnv });
  }
  if (!r.ok) throw new Error(`\`${install}\` failed:\n${r.out.slice(-2000)}`);
}

async function workerdInfo() {
  const mod = (await import("workerd")).default;
  return { bin: mod.default, version: mod.version, compatibilityDate: mod.compatibilityDate };
}

function machine(workerd) {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  const mhz = /^cpu MHz\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim();
  const nginxVersion = /nginx\/([\d.]+)/.exec(run("nginx", ["-v"]).out)?.[1] ?? "?";
  const wrkVersion = /wrk (\S+)/.exec(run("wrk", ["-v"]).out)?.[1] ?? "?";
  const wrangler = JSON.parse(readFileSync(path.join(ROOT, "node_modules/wrangler/package.json"), "utf8")).version;
  return {
    date: new Date().toISOString(),
    nproc: CPUS,
    cpu: model + (mhz ? ` (${Math.round(Number(mhz))} MHz)` : ""),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    workerd: `${workerd.version} (compat date ${workerd.compatibilityDate})`,
    wrangler,
    nginx: nginxVersion,
    wrk: wrkVersion,
  };
}

/**
 * Builds the worker as `npm run deploy` would, from a copy of the project in the
 * temp dir, so the shared generated/routes.json is never rewritten under anyone.
 */
function buildProject(v1Port, v2Port) {
  const proj = path.join(tmp, "project-src");
  mkdirSync(proj);
  for (const f of ["src", "wrangler.toml", "package.json", "tsconfig.json"]) {
    cpSync(path.join(ROOT, f), path.join(proj, f), { recursive: true });
  }
  symlinkSync(path.join(ROOT, "node_modules"), path.join(proj, "node_modules"), "dir");
  const routes = path.join(tmp, "routes.bench.yaml");
  writeFileSync(routes, render("routes.template.yaml", { V1_PORT: v1Port, V2_PORT: v2Port }));
  const outdir = path.join(tmp, "dist");
  const wrangler = path.join(ROOT, "node_modules", ".bin", "wrangler");
  const r = run(wrangler, ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: proj,
    env: { ...env, EDGE_MIRROR_ROUTES: routes, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
  });
  if (!r.ok) throw new Error(`wrangler deploy --dry-run failed:\n${r.out.slice(-3000)}`);
  const js = readdirSync(outdir).filter((f) => f.endsWith(".js"));
  if (js.length !== 1) throw new Error(`expected one .js in the bundle, found: ${js.join(", ") || "none"}`);
  const bundlePath = path.join(outdir, js[0]);
  const code = readFileSync(bundlePath);
  const text = code.toString("utf8");
  // The yaml package must stay in the build-time compiler: look for its identifiers
  // and, through the source map, for any of its files.
  const yamlMarkers = ["YAMLMap", "YAMLSeq", "parseAllDocuments", "YAMLParseError"].filter((m) => text.includes(m));
  let sources = [];
  try {
    sources = JSON.parse(readFileSync(`${bundlePath}.map`, "utf8")).sources ?? [];
  } catch {}
  const yamlSources = sources.filter((s) => /node_modules\/yaml\//.test(s));
  const compilerSources = sources.filter((s) => /src\/config\//.test(s));
  const routesInlined = text.includes(`127.0.0.1:${v1Port}`) && text.includes(`127.0.0.1:${v2Port}`);
  if (!routesInlined) throw new Error("the bundle does not contain the bench routes: did [build] run?");
  const wranglerSummary = /Total Upload: ([^\n]+)/.exec(r.out)?.[1]?.trim();
  return {
    path: bundlePath,
    file: js[0],
    rawBytes: code.length,
    gzipBytes: gzipSync(code).length,
    wranglerSummary,
    yamlMarkers,
    yamlSources,
    compilerSources,
    sources: sources.map((s) => s.replace(/^(\.\.\/)+/, "")),
  };
}

// ---------------------------------------------------------------- systems

function nginxOrigin(name, port, statusPort, v2Mode) {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "nginx.conf");
  const write = (mode) =>
    writeFileSync(
      conf,
      render("nginx-origin.template.conf", {
        DIR: dir,
        PORT: port,
        STATUS_PORT: statusPort,
        LOAD_ECHO: name === "origin-v2" ? `load_module ${ECHO_MODULE};` : "",
        ANSWER:
          mode === "slow"
            ? `echo_sleep ${CONFIG.slowMs / 1000}; echo "${name}";`
            : `return 200 "${name}\\n";`,
      }),
    );
  write(v2Mode);
  const proc = start(name, "nginx", ["nginx", "-p", dir, "-c", conf, "-e", path.join(dir, "error.log")], LOAD_CPU);
  return {
    proc,
    port,
    statusPort,
    mode: v2Mode,
    /** Rewrites the config and reloads (SIGHUP); waits until the new answer is served. */
    async switchTo(mode) {
      write(mode);
      process.kill(proc.child.pid, "SIGHUP");
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        await sleep(200);
        const res = await request(port, { path: PATH }).catch(() => undefined);
        if (res && res.status === 200 && (mode === "slow") === res.ms >= CONFIG.slowMs * 0.9) {
          this.mode = mode;
          await sleep(300); // let the old worker finish and exit
          return;
        }
      }
      throw new Error(`${name} did not switch to ${mode}:\n${tail(path.join(dir, "error.log"))}`);
    },
    async requests() {
      const res = await request(statusPort, { path: "/" });
      const m = /\n\s*(\d+)\s+(\d+)\s+(\d+)/.exec(res.body);
      if (!m) throw new Error(`${name}: unexpected stub_status: ${res.body}`);
      return Number(m[3]);
    },
  };
}

function startNginxMirror(port, v1Port, v2Port) {
  const dir = path.join(tmp, "nginx-mirror");
  mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(conf, render("nginx-mirror.template.conf", { DIR: dir, PORT: port, V1_PORT: v1Port, V2_PORT: v2Port }));
  return start("nginx", "nginx", ["nginx", "-p", dir, "-c", conf, "-e", path.join(dir, "error.log")], SUT_CPU);
}

function startWorkerd(name, workerd, moduleSource, moduleName, port, bindings) {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  cpSync(moduleSource, path.join(dir, moduleName));
  const capnp = path.join(dir, "config.capnp");
  writeFileSync(
    capnp,
    render("workerd.template.capnp", {
      PORT: port,
      MODULE: moduleName,
      COMPAT_DATE: workerd.compatibilityDate,
      BINDINGS: Object.entries(bindings)
        .map(([k, v]) => `(name = "${k}", text = "${v}")`)
        .join(", "),
    }),
  );
  // stdout (the project's JSON log lines, one per request and one per shadow) → /dev/null.
  return start(name, "workerd", [workerd.bin, "serve", capnp], SUT_CPU);
}

// ---------------------------------------------------------------- wrk

function wrkScript(bytes) {
  const file = path.join(tmp, `post-${bytes}.lua`);
  writeFileSync(
    file,
    [
      `-- POST ${bytes} bytes per request (static: built once by wrk)`,
      `wrk.method = "POST"`,
      `wrk.body = string.rep("x", ${bytes})`,
      `wrk.headers["Content-Type"] = "application/octet-stream"`,
      "",
    ].join("\n"),
  );
  return file;
}

function wrkArgs(duration, script) {
  const args = ["-t", String(CONFIG.threads), "-c", String(CONFIG.connections), "-d", `${duration}s`];
  args.push("--latency", "--timeout", "5s", "-H", `Host: ${HOST_HEADER}`);
  if (script) args.push("-s", script);
  return args;
}

function wrkCommandLine(script) {
  const prefix = CONFIG.pin ? `taskset -c ${LOAD_CPU} ` : "";
  const s = script ? ` -s post-<N>.lua` : "";
  return `${prefix}wrk -t${CONFIG.threads} -c${CONFIG.connections} -d${CONFIG.duration}s --latency --timeout 5s -H 'Host: ${HOST_HEADER}'${s} http://127.0.0.1:<port>${PATH}`;
}

function runWrk(port, duration, script, onSpawn = (_pid) => {}) {
  const cmd = pinned(LOAD_CPU, ["wrk", ...wrkArgs(duration, script), `http://127.0.0.1:${port}${PATH}`]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    onSpawn(child.pid);
    const proc = { name: "wrk", kind: "wrk", child, errPath: "", stopping: true };
    running.add(proc);
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), (duration + 20) * 1000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      running.delete(proc);
      if (code !== 0) reject(new Error(`wrk failed (${code}):\n${out}`));
      else resolve(parseWrk(out));
    });
  });
}

function toMs(value, unit) {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "ms" ? v : unit === "s" ? v * 1000 : unit === "m" ? v * 60_000 : v * 3_600_000;
}

export function parseWrk(out) {
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m").exec(out);
    return m ? toMs(m[1], m[2]) : null;
  };
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : 0;
  };
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const rps = num(/Requests\/sec:\s+([\d.]+)/);
  if (!rps && !/Requests\/sec/.test(out)) throw new Error(`cannot parse wrk output:\n${out}`);
  return {
    rps,
    requests: num(/(\d+) requests in/),
    p50: pct(50),
    p75: pct(75),
    p90: pct(90),
    p99: pct(99),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    socketErrorDetail: sock ? sock[0] : "",
  };
}

// ---------------------------------------------------------------- measuring

/**
 * One measured run; repeated (at most twice, BENCH_RETRIES in all) when
 * processes the bench did not start took a core from it: a shared machine.
 */
async function measure(system, scenario, origins, round) {
  let run;
  for (let attempt = 1; attempt <= 3; attempt++) {
    run = await measureOnce(system, scenario, origins, round);
    run.attempt = attempt;
    if (!run.noisy) break;
    if (attempt === 3 || retriesLeft <= 0) break;
    retriesLeft--;
    console.error(`    (other processes took CPU from that run: measuring it again; ${retriesLeft} repeats left)`);
  }
  return run;
}

async function measureOnce(system, scenario, origins, round) {
  const { port, proc } = system;
  const script = scenario.body ? wrkScript(scenario.body) : undefined;
  if (CONFIG.warmup > 0) await runWrk(port, CONFIG.warmup, script);
  await settle(scenario);
  if (!alive(proc)) throw new Error(`${system.name} died during the warm-up:\n${tail(proc.errPath)}`);

  const pids = sutPids(proc);
  const originPids = [...sutPids(origins.v1.proc), ...sutPids(origins.v2.proc)];
  const before = { v1: await origins.v1.requests(), v2: await origins.v2.requests() };
  const cpuBefore = cpuSeconds(pids);
  const originCpuBefore = cpuSeconds(originPids);
  const coresBefore = cpuTimes();
  const rssBaseKiB = statusKiB(pids, "VmRSS");
  let rssPeakKiB = rssBaseKiB;
  let wrkPid = 0;
  let wrkCpu = 0;
  const sampler = setInterval(() => {
    rssPeakKiB = Math.max(rssPeakKiB, statusKiB(pids, "VmRSS"));
    if (wrkPid) wrkCpu = Math.max(wrkCpu, cpuSeconds([wrkPid]));
  }, 50);
  const t0 = performance.now();
  let result;
  try {
    result = await runWrk(port, CONFIG.duration, script, (pid) => (wrkPid = pid));
  } finally {
    clearInterval(sampler);
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pids) - cpuBefore;
  const originCpu = cpuSeconds(originPids) - originCpuBefore;
  const coresAfter = cpuTimes();
  rssPeakKiB = Math.max(rssPeakKiB, statusKiB(pids, "VmRSS"));
  const cpu0 = busyPercent(coresBefore, coresAfter, "0");
  const cpu1 = busyPercent(coresBefore, coresAfter, "1");
  const sutPercent = (100 * cpu) / wall;
  const cpu0Other = CONFIG.pin && cpu0 !== null ? Math.max(0, cpu0 - sutPercent) : null;
  // wrk's own time is sampled every 50 ms until it exits: a slight undercount, so this slightly overcounts.
  const cpu1Other = CONFIG.pin && cpu1 !== null ? Math.max(0, cpu1 - (100 * (originCpu + wrkCpu)) / wall) : null;
  await settle(scenario);
  const after = { v1: (await origins.v1.requests()) - 1, v2: (await origins.v2.requests()) - 1 };
  if (!alive(proc)) throw new Error(`${system.name} died during the run:\n${tail(proc.errPath)}`);
  const v1 = after.v1 - before.v1;
  const v2 = after.v2 - before.v2;
  const run = {
    system: system.name,
    scenario: scenario.key,
    round,
    ...result,
    v1Requests: v1,
    v2Requests: v2,
    mirroredPercent: v1 > 0 ? (100 * v2) / v1 : 0,
    sutCpuPercent: (100 * cpu) / wall,
    sutCpuUsPerRequest: result.requests ? (cpu * 1e6) / result.requests : null,
    cpu0BusyPercent: busyPercent(coresBefore, coresAfter, "0"),
    /** CPU 0 time used by processes the bench did not start (other users of a shared machine) */
    cpu0OtherPercent: cpu0Other,
    cpu1BusyPercent: cpu1,
    /** CPU 1 time used by processes other than wrk and the origins */
    cpu1OtherPercent: cpu1Other,
    loadCpuPercent: (100 * (originCpu + wrkCpu)) / wall,
    /** a CPU-bound system shared CPU 0, or the load generator shared CPU 1, with outsiders */
    noisy: (cpu0Other !== null && cpu0Other > 15 && sutPercent > 30) || (cpu1Other !== null && cpu1Other > 30 && (100 * (originCpu + wrkCpu)) / wall > 10),
    rssBaseMiB: rssBaseKiB / 1024,
    rssPeakMiB: rssPeakKiB / 1024,
    hwmMiB: statusKiB(pids, "VmHWM") / 1024,
  };
  console.error(
    `  ${system.name.padEnd(8)} ${scenario.key.padEnd(9)} r${round}  ${fmt(run.rps, 0).padStart(7)} req/s  ` +
      `p50 ${fmtMs(run.p50)}  p99 ${fmtMs(run.p99)}  cpu ${fmt(run.sutCpuPercent, 0)}% ` +
      `(${fmt(run.sutCpuUsPerRequest, 0)} µs/req; others: cpu0 ${fmt(run.cpu0OtherPercent, 0)}% cpu1 ${fmt(run.cpu1OtherPercent, 0)}%)  mirrored ${fmt(run.mirroredPercent, 1)}%  ` +
      `rss ${fmt(run.rssPeakMiB, 0)} MiB${run.non2xx || run.socketErrors ? `  ERRORS non2xx=${run.non2xx} ${run.socketErrorDetail}` : ""}`,
  );
  return run;
}

/** After a run: let in-flight shadows land before counting or starting the next. */
function settle(scenario) {
  return sleep(scenario.v2 === "slow" ? CONFIG.slowMs + 800 : 500);
}

function summarise(runs) {
  const pick = (k) => {
    const xs = runs.map((r) => r[k]).filter((x) => typeof x === "number");
    return xs.length ? median(xs) : null;
  };
  return {
    runs: runs.length,
    rps: pick("rps"),
    rpsMin: Math.min(...runs.map((r) => r.rps)),
    rpsMax: Math.max(...runs.map((r) => r.rps)),
    p50: pick("p50"),
    p99: pick("p99"),
    mirroredPercent: pick("mirroredPercent"),
    sutCpuPercent: pick("sutCpuPercent"),
    sutCpuUsPerRequest: pick("sutCpuUsPerRequest"),
    cpu1BusyPercent: pick("cpu1BusyPercent"),
    cpu0OtherPercent: pick("cpu0OtherPercent"),
    cpu1OtherPercent: pick("cpu1OtherPercent"),
    noisyRuns: runs.filter((r) => r.noisy).length,
    rssPeakMiB: Math.max(...runs.map((r) => r.rssPeakMiB)),
    rssBaseMiB: Math.min(...runs.map((r) => r.rssBaseMiB)),
    errors: runs.reduce((n, r) => n + r.non2xx + r.socketErrors, 0),
  };
}

// ---------------------------------------------------------------- report

function fmt(x, digits = 2) {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}
function fmtMs(x) {
  if (x === null || x === undefined) return "–";
  return x >= 100 ? `${x.toFixed(0)} ms` : x >= 10 ? `${x.toFixed(1)} ms` : `${x.toFixed(2)} ms`;
}
function fmtRps(x) {
  return x === null ? "–" : Math.round(x).toLocaleString("en-US");
}

function ratio(a, b) {
  return a && b ? a / b : null;
}

/** The ratio a/b for each round where both were measured (the runs of a round are minutes apart at most). */
function perRound(runs, a, b, field) {
  const out = [];
  for (let round = 1; round <= CONFIG.rounds; round++) {
    const x = runs.find((r) => r.scenario === a[0] && r.system === a[1] && r.round === round);
    const y = runs.find((r) => r.scenario === b[0] && r.system === b[1] && r.round === round);
    if (x && y && x[field] && y[field]) out.push(x[field] / y[field]);
  }
  return out;
}

function goals(summary, bundle, runs) {
  const s = (scenario, system) => summary[scenario]?.[system];
  const out = [];
  const rounds = (a, b, field) => {
    const xs = perRound(runs, a, b, field);
    return xs.length > 1 ? xs.map((x) => x.toFixed(2)).join(", ") : "";
  };
  const add = (name, value, goal, test, digits = 2, note = "") =>
    out.push({
      name,
      value,
      goal,
      status: value === null ? "not measured" : goal ? (test(value) ? "met" : "**missed**") : "",
      shown: typeof value === "number" ? value.toFixed(digits) : value === null ? "–" : String(value),
      note,
    });
  const pf = s("get-fast", "project");
  const ff = s("get-fast", "floor");
  const nf = s("get-fast", "nginx");
  const ps = s("get-slow", "project");
  const fs = s("get-slow", "floor");
  const ns = s("get-slow", "nginx");
  const cf = s("get-fast", "floor-cancel");
  const hf = s("get-fast", "floor-headers");
  const pp = (sys) => ["get-fast", sys];
  add("project / floor throughput (GET, fast v2)", ratio(pf?.rps, ff?.rps), "≥ 0.90", (v) => v >= 0.9, 2, rounds(pp("project"), pp("floor"), "rps"));
  add("project / floor p99 (GET, fast v2)", ratio(pf?.p99, ff?.p99), "≤ 1.20", (v) => v <= 1.2, 2, rounds(pp("project"), pp("floor"), "p99"));
  add("project throughput, slow v2 / fast v2", ratio(ps?.rps, pf?.rps), "≥ 0.95", (v) => v >= 0.95, 2, rounds(["get-slow", "project"], pp("project"), "rps"));
  add("floor throughput, slow v2 / fast v2", ratio(fs?.rps, ff?.rps), "", () => true, 2, rounds(["get-slow", "floor"], pp("floor"), "rps"));
  add("nginx mirror throughput, slow v2 / fast v2", ratio(ns?.rps, nf?.rps), "", () => true, 3, rounds(["get-slow", "nginx"], pp("nginx"), "rps"));
  add("project / nginx mirror throughput (GET, fast v2)", ratio(pf?.rps, nf?.rps), "", () => true, 2, rounds(pp("project"), pp("nginx"), "rps"));
  add("project / floor CPU per request (GET, fast v2)", ratio(pf?.sutCpuUsPerRequest, ff?.sutCpuUsPerRequest), "", () => true, 2, rounds(pp("project"), pp("floor"), "sutCpuUsPerRequest"));
  if (hf) {
    add("floor + Istio's header work / floor throughput (GET, fast v2)", ratio(hf.rps, ff?.rps), "", () => true, 2, rounds(pp("floor-headers"), pp("floor"), "rps"));
    add("project / (floor + Istio's header work) throughput (GET, fast v2)", ratio(pf?.rps, hf.rps), "", () => true, 2, rounds(pp("project"), pp("floor-headers"), "rps"));
  }
  if (cf) add("floor with cancel() / floor throughput (GET, fast v2)", ratio(cf.rps, ff?.rps), "", () => true, 2, rounds(pp("floor-cancel"), pp("floor"), "rps"));
  add("bundle, gzipped (KiB)", bundle.gzipBytes / 1024, "≤ 25", (v) => v <= 25, 1);
  add(
    "YAML parser in the bundle",
    bundle.yamlMarkers.length || bundle.yamlSources.length ? `yes (${[...bundle.yamlMarkers, ...bundle.yamlSources].join(", ")})` : "no",
    "no",
    (v) => v === "no",
  );
  return out;
}

function markdown({ info, bundle, summary, goalRows, notes }) {
  const L = [];
  L.push("# edge-mirror benchmark");
  L.push("");
  L.push(`Written by \`npm run bench\` (bench/run.mjs) on ${info.date.slice(0, 16).replace("T", " ")} UTC. Do not edit by hand.`);
  L.push("");
  L.push(
    `**Machine:** ${info.nproc} CPUs (${info.cpu}), ${info.memGiB} GiB, Linux ${info.kernel}; Node ${info.node}, ` +
      `workerd ${info.workerd}, wrangler ${info.wrangler}, nginx ${info.nginx} (Debian), wrk ${info.wrk} (Debian).`,
  );
  L.push("");
  L.push(
    `**Load:** \`${wrkCommandLine(false)}\` (POST: \`-s\` a static body script), each run after a ${CONFIG.warmup} s warm-up. ` +
      `GET: ${CONFIG.rounds} rounds, each running every system with the fast v2 and with the slow v2 (order rotated per round); medians shown, ratios also per round. POST: one run per system.`,
  );
  L.push("");
  L.push("## Ratios and goals (same run)");
  L.push("");
  L.push("| ratio | value | goal | | per round |");
  L.push("|---|---:|---|---|---|");
  for (const g of goalRows) L.push(`| ${g.name} | ${g.shown} | ${g.goal} | ${g.status} | ${g.note} |`);
  L.push("");
  L.push("## GET, 100 % mirrored");
  L.push("");
  L.push("| system | shadow (v2) | req/s (min–max) | p50 | p99 | mirrored to v2 | CPU of system | CPU µs / req | others on CPU 0 / 1 | errors |");
  L.push("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const key of ["get-fast", "get-slow"]) {
    for (const sys of CONFIG.systems) {
      const r = summary[key]?.[sys];
      if (!r) continue;
      const spread = r.runs > 1 ? ` (${fmtRps(r.rpsMin)}–${fmtRps(r.rpsMax)})` : "";
      L.push(
        `| ${SYSTEM_LABELS[sys]} | ${SCENARIOS[key].v2 === "slow" ? `${CONFIG.slowMs} ms` : "fast"} | ${fmtRps(r.rps)}${spread} | ` +
          `${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ${fmt(r.mirroredPercent, 1)} % | ${fmt(r.sutCpuPercent, 0)} % | ` +
          `${fmt(r.sutCpuUsPerRequest, 0)} | ${fmt(r.cpu0OtherPercent, 0)} / ${fmt(r.cpu1OtherPercent, 0)} %${r.noisyRuns ? ` (${r.noisyRuns} noisy)` : ""} | ${r.errors} |`,
      );
    }
  }
  L.push("");
  L.push("## POST bodies, mirrored (fast v2)");
  L.push("");
  L.push("| system | body | req/s | p50 | p99 | mirrored to v2 | CPU µs / req | RSS idle → peak | errors |");
  L.push("|---|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const key of ["post-1k", "post-512k"]) {
    for (const sys of CONFIG.systems) {
      const r = summary[key]?.[sys];
      if (!r) continue;
      L.push(
        `| ${SYSTEM_LABELS[sys]} | ${SCENARIOS[key].body >= 1024 * 1024 ? `${SCENARIOS[key].body / 2 ** 20} MiB` : `${SCENARIOS[key].body / 1024} KiB`}` +
          `${sys === "floor" ? " (copy bodiless)" : ""} | ${fmtRps(r.rps)} | ${fmtMs(r.p50)} | ${fmtMs(r.p99)} | ` +
          `${fmt(r.mirroredPercent, 1)} % | ${fmt(r.sutCpuUsPerRequest, 0)} | ${fmt(r.rssBaseMiB, 0)} → ${fmt(r.rssPeakMiB, 0)} MiB | ${r.errors}${r.noisyRuns ? " (noisy)" : ""} |`,
      );
    }
  }
  L.push("");
  L.push("## Bundle");
  L.push("");
  L.push("| bundle | raw | gzipped | YAML parser | compiler (src/config) |");
  L.push("|---|---:|---:|---|---|");
  L.push(
    `| \`wrangler deploy --dry-run\` → ${bundle.file} | ${(bundle.rawBytes / 1024).toFixed(1)} KiB | ` +
      `${(bundle.gzipBytes / 1024).toFixed(1)} KiB | ${bundle.yamlMarkers.length || bundle.yamlSources.length ? "**present**" : "absent"} | ` +
      `${bundle.compilerSources.length ? `**present** (${bundle.compilerSources.length} files)` : "absent"} |`,
  );
  L.push("");
  L.push("## How it was measured");
  L.push("");
  for (const n of notes) L.push(`- ${n}`);
  L.push("");
  return L.join("\n");
}

// ---------------------------------------------------------------- main

async function main() {
  const started = Date.now();
  ensureTools();
  const workerd = await workerdInfo();
  const info = machine(workerd);
  tmp = mkdtempSync(path.join(os.tmpdir(), "edge-mirror-bench-"));
  console.error(`bench: ${info.nproc} CPUs (${info.cpu}); temp dir ${tmp}`);
  if (!CONFIG.pin) console.error("bench: not pinning (fewer than 2 CPUs or BENCH_PIN=0)");

  const ports = {};
  for (const k of ["v1", "v1Status", "v2", "v2Status", "project", "floor", "floor-headers", "floor-cancel", "nginx"]) ports[k] = await freePort();

  console.error("bench: building the worker (wrangler deploy --dry-run) from a copy of the project");
  const bundle = buildProject(ports.v1, ports.v2);
  console.error(
    `bench: bundle ${bundle.file}: ${(bundle.rawBytes / 1024).toFixed(1)} KiB, ${(bundle.gzipBytes / 1024).toFixed(1)} KiB gzipped; ` +
      `YAML parser ${bundle.yamlMarkers.length || bundle.yamlSources.length ? "PRESENT" : "absent"}`,
  );

  const origins = {
    v1: nginxOrigin("origin-v1", ports.v1, ports.v1Status, "fast"),
    v2: nginxOrigin("origin-v2", ports.v2, ports.v2Status, "fast"),
  };
  await waitUntilServing(ports.v1, origins.v1.proc, "origin v1");
  await waitUntilServing(ports.v2, origins.v2.proc, "origin v2");

  /** @type {Record<string, { name: string, port: number, proc: any }>} */
  const systems = {};
  const origin = (p) => `http://127.0.0.1:${p}`;
  if (CONFIG.systems.includes("project")) {
    systems.project = { name: "project", port: ports.project, proc: startWorkerd("project", workerd, bundle.path, "index.js", ports.project, {}) };
  }
  const referenceWorkers = [
    ["floor", "floor-worker.js", { DISCARD: "read" }],
    ["floor-cancel", "floor-worker.js", { DISCARD: "cancel" }],
    ["floor-headers", "floor-headers-worker.js", {}],
  ];
  for (const [name, file, extra] of referenceWorkers) {
    if (!CONFIG.systems.includes(name)) continue;
    const bindings = { V1: origin(ports.v1), V2: origin(ports.v2), ...extra };
    const proc = startWorkerd(name, workerd, path.join(BENCH, file), file, ports[name], bindings);
    systems[name] = { name, port: ports[name], proc };
  }
  if (CONFIG.systems.includes("nginx")) {
    systems.nginx = { name: "nginx", port: ports.nginx, proc: startNginxMirror(ports.nginx, ports.v1, ports.v2) };
  }
  // Each system must answer from v1 and send its copy to v2 before it is measured.
  for (const sys of Object.values(systems)) {
    const v2Before = await origins.v2.requests();
    const res = await waitUntilServing(sys.port, sys.proc, sys.name, { host: HOST_HEADER });
    if (!res.body.includes("origin-v1")) throw new Error(`${sys.name} answered without v1: ${res.body.slice(0, 200)}`);
    await sleep(300);
    const v2After = await origins.v2.requests();
    if (v2After - v2Before < 2) throw new Error(`${sys.name}: no mirrored request reached v2`);
  }

  const allRuns = [];
  const keys = Object.keys(SCENARIOS).filter((k) => CONFIG.scenarios.includes(k));
  const names = Object.keys(systems);
  const runScenario = async (key, round) => {
    const scenario = { key, ...SCENARIOS[key] };
    if (origins.v2.mode !== scenario.v2) {
      console.error(`bench: reloading v2 to answer ${scenario.v2 === "slow" ? `after ${CONFIG.slowMs} ms` : "at once"}`);
      await origins.v2.switchTo(scenario.v2);
    }
    console.error(`bench: ${scenario.label}${scenario.rounds > 1 ? `, round ${round}/${scenario.rounds}` : ""}`);
    const here = names.filter((n) => !ONLY_IN[n] || ONLY_IN[n].includes(key));
    // Rotate the order each round, so drift on a shared machine hits every system alike.
    const rotated = here.map((_, i) => here[(i + round - 1) % here.length]);
    for (const name of rotated) allRuns.push(await measure(systems[name], scenario, origins, round));
  };
  const getKeys = keys.filter((k) => SCENARIOS[k].rounds > 1);
  for (let round = 1; round <= CONFIG.rounds; round++) {
    // Alternate fast/slow so v2 is reloaded once per round and never back and forth in vain.
    const ordered = round % 2 ? getKeys : [...getKeys].reverse();
    for (const key of ordered) await runScenario(key, round);
  }
  for (const key of keys.filter((k) => SCENARIOS[k].rounds <= 1)) await runScenario(key, 1);
  const summary = {};
  for (const key of keys) {
    summary[key] = {};
    for (const name of names) {
      const runs = allRuns.filter((r) => r.scenario === key && r.system === name);
      if (runs.length) summary[key][name] = summarise(runs);
    }
  }

  const goalRows = goals(summary, bundle, allRuns);
  const notes = [
    CONFIG.pin
      ? `Each system under test runs alone on CPU 0 (\`taskset -c ${SUT_CPU}\`); wrk (${CONFIG.threads} thread) and the two origin nginx processes share CPU 1. ` +
        `“CPU of system” is the system's own user+system time over the run (100 % = one core): near 100 % means the system, not the load generator, was the limit.`
      : "Processes are not pinned (fewer than 2 CPUs or BENCH_PIN=0).",
    "nginx runs with `worker_processes 1` everywhere (mirror and origins), so each system under test has one core, like single-threaded workerd.",
    `The project is built exactly like \`npm run bundle\` (\`wrangler deploy --dry-run\`, its [build] compiles bench/routes.template.yaml: the seed VirtualService, 100 % mirrored to subset v2, ServiceEntry endpoints on the bench origins), from a copy of the project in a temp dir so the shared generated/routes.json is never rewritten; it and the floor (bench/floor-worker.js) are served by \`workerd serve\` (no wrangler dev proxy), one process each, compat date ${workerd.compatibilityDate}.`,
    "workerd's stdout goes to /dev/null: the project still builds and writes its two JSON log lines per request (request + shadow), nothing reads them.",
    "The floor reads the shadow's (tiny) answer to the end; `floor, shadow answer cancel()ed` drops it with `body.cancel()` instead, which makes workerd close the pooled connection, so every shadow opens a new one: the floor is the cheaper of the two.",
    "`floor + Istio's header work` (bench/floor-headers-worker.js) is the floor plus only what a mirror with Istio's semantics must do to the headers on every request (hop-by-hop names removed, Host dropped, X-Forwarded-Host/-Proto set, X-Forwarded-For appended, an x-request-id, a second copy of the headers for the shadow with the `-shadow` authority, a shadow deadline): no routing, no Hono, no logs. Its ratio to the floor is the price of the job on this runtime; the project's ratio to it is the price of the project.",
    `“others on CPU 0 / 1”: CPU time used during the run by processes the bench did not start (the machine is shared), in % of that core. A run where outsiders took more than 15 % of CPU 0 from a busy system under test, or more than 30 % of CPU 1 (where the origins answer it), is repeated (at most twice, ${CONFIG.retries} repeats in all); “noisy” counts the runs kept anyway.`,
    `Origins: nginx \`return 200\` for v1 and v2 (own processes, \`access_log off\`). The slow shadow is v2 reloaded to answer after ${CONFIG.slowMs} ms (\`echo_sleep\`, Debian's libnginx-mod-http-echo); v1 stays fast.`,
    "“mirrored to v2” counts what reached v2 (its stub_status) per request v1 saw, after in-flight shadows land: 100 % means every request was mirrored. nginx with the slow v2 shows a little less: when wrk closes its connections at the end, the mirrors of the last request on each (≤ 1 per connection) are dropped.",
    "nginx mirror: upstream keepalive (64) to both origins, request bodies buffered in memory up to 1 MiB; nginx waits for the mirror subrequest before reading the next request on a connection, which is why a slow v2 caps it at about connections ÷ 200 ms.",
    "At a fixed concurrency p50 is about connections ÷ throughput; p99 adds pauses (garbage collection, scheduling on a shared machine) and varies more from run to run than throughput does.",
    "The floor fires a bodiless copy (method and path only), so for POST it does less than a body mirror; the POST rows are for throughput and memory, not a goal.",
    `RSS: the system's resident memory sampled every 50 ms during the run (workerd: the process; nginx: its worker), idle value before the run → peak.`,
    `Total bench time ${Math.round((Date.now() - started) / 1000)} s.`,
  ];
  const md = markdown({ info, bundle, summary, goalRows, notes });
  mkdirSync(CONFIG.out, { recursive: true });
  writeFileSync(path.join(CONFIG.out, "RESULTS.md"), md);
  writeFileSync(
    path.join(CONFIG.out, "results.json"),
    JSON.stringify({ info, config: { ...CONFIG, wrk: wrkCommandLine(false) }, bundle: { ...bundle, path: undefined }, goals: goalRows, summary, runs: allRuns }, null, 2) + "\n",
  );
  process.stdout.write(`\n${md}\n`);
  console.error(`bench: wrote ${path.relative(ROOT, path.join(CONFIG.out, "RESULTS.md"))} and results.json`);

  exiting = true;
  for (const p of [...running]) await stop(p);
  if (!CONFIG.keep) rmSync(tmp, { recursive: true, force: true });
  else console.error(`bench: kept ${tmp}`);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  main().catch((e) => {
    console.error(`bench: ${e instanceof Error ? e.message : e}`);
    process.exitCode = 1;
    exiting = false;
    cleanupSync();
    exiting = true;
  });
}
