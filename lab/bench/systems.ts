// The bench's origins and systems under test: nginx origins (v1, v2; v2 reloadable
// between answering at once and after CONFIG.slowMs), nginx's mirror module, and
// workers on `workerd serve` (the project's deploy bundle and the floor workers).
import { closeSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { buildDeployBundle } from "../shared/bundle";
import { checkBundle, type BundleCheck } from "../shared/bundle-check";
import { renderTemplate } from "../shared/template";
import { startWorkerd, type DurableObjectBinding, type WorkerdInfo } from "../shared/workerd";
import { BENCH_DIR, CONFIG, ECHO_MODULE, JSON_ANSWERS, PATH, SUT_CPU, LOAD_CPU, type V2Mode } from "./config";
import { alive, pinned, start, stderrFile, tail, track, work, type Proc } from "./processes";

export interface Answer {
  status: number;
  body: string;
  ms: number;
}

export function request(
  port: number,
  { method = "GET", path: p = "/", headers = {}, body }: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

export async function waitUntilServing(port: number, proc: Proc | undefined, what: string, headers: Record<string, string> = {}): Promise<Answer> {
  const deadline = Date.now() + 15_000;
  let last = "";
  while (Date.now() < deadline) {
    if (proc && !alive(proc)) throw new Error(`${what} did not start:\n${tail(proc.errPath)}`);
    try {
      const res = await request(port, { path: PATH, headers });
      if (res.status === 200) return res;
      last = `HTTP ${res.status}: ${res.body.slice(0, 200)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${what} is not answering on 127.0.0.1:${port} (${last})${proc ? `\n${tail(proc.errPath)}` : ""}`);
}

const template = (name: string) => path.join(BENCH_DIR, name);

// ---------------------------------------------------------------- the project's bundle

export interface ProjectBundle extends BundleCheck {
  path: string;
  wranglerSummary?: string;
}

/** The worker as `npm run bundle` builds it, with lab/bench/routes.template.yaml's routes (mirror 100 % to v2). */
export function buildProject(v1Port: number, v2Port: number): ProjectBundle {
  const routesFile = path.join(work.tmp, "routes.bench.yaml");
  writeFileSync(routesFile, renderTemplate(template("routes.template.yaml"), { V1_PORT: v1Port, V2_PORT: v2Port }));
  const bundle = buildDeployBundle({ tmp: work.tmp, routesFile });
  const check = checkBundle(bundle.path);
  const text = readFileSync(bundle.path, "utf8");
  if (!text.includes(`127.0.0.1:${v1Port}`) || !text.includes(`127.0.0.1:${v2Port}`)) {
    throw new Error("the bundle does not contain the bench routes: did [build] run?");
  }
  return { ...check, file: bundle.file, path: bundle.path, wranglerSummary: bundle.wranglerSummary };
}

// ---------------------------------------------------------------- origins and systems

export interface NginxOrigin {
  proc: Proc;
  port: number;
  statusPort: number;
  mode: V2Mode;
  /** Rewrites the config and reloads (SIGHUP); waits until the new answer is served. */
  switchTo(mode: V2Mode): Promise<void>;
  /** requests answered so far (stub_status) */
  requests(): Promise<number>;
}

export function nginxOrigin(name: string, port: number, statusPort: number, v2Mode: V2Mode): NginxOrigin {
  const dir = path.join(work.tmp, name);
  mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "nginx.conf");
  const write = (mode: V2Mode) =>
    writeFileSync(
      conf,
      renderTemplate(template("nginx-origin.template.conf"), {
        DIR: dir,
        PORT: port,
        STATUS_PORT: statusPort,
        LOAD_ECHO: name === "origin-v2" ? `load_module ${ECHO_MODULE};` : "",
        ANSWER: mode === "slow" ? `echo_sleep ${CONFIG.slowMs / 1000}; echo "${name}";` : `return 200 "${name}\\n";`,
      }),
    );
  write(v2Mode);
  // The JSON answers (lab/bench/config.ts JSON_ANSWERS), the same on both origins: a healthy v2.
  mkdirSync(path.join(dir, "static"), { recursive: true });
  for (const [file, bytes] of Object.entries(JSON_ANSWERS)) writeFileSync(path.join(dir, "static", file), jsonOfSize(bytes));
  const proc = start(name, "nginx", ["nginx", "-p", dir, "-c", conf, "-e", path.join(dir, "error.log")], LOAD_CPU);
  return {
    proc,
    port,
    statusPort,
    mode: v2Mode,
    async switchTo(mode) {
      write(mode);
      process.kill(proc.child.pid!, "SIGHUP");
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

/** A JSON document of exactly `bytes` bytes: an object of records, like an API's list answer. */
export function jsonOfSize(bytes: number): string {
  const items: string[] = [];
  let size = '{"items":[]}'.length;
  for (let i = 0; ; i++) {
    const item = JSON.stringify({ id: i, sku: `sku-${String(i).padStart(8, "0")}`, price: (i % 997) / 10, tags: ["a", "b"] });
    if (size + item.length + (i > 0 ? 1 : 0) > bytes - 12) break;
    size += item.length + (i > 0 ? 1 : 0);
    items.push(item);
  }
  const doc = `{"items":[${items.join(",")}]`;
  // Pad to the exact size with a string field.
  const pad = bytes - doc.length - '"pad":""}'.length - 1;
  return `${doc},"pad":"${"x".repeat(Math.max(0, pad))}"}`;
}

export function startNginxMirror(port: number, v1Port: number, v2Port: number): Proc {
  const dir = path.join(work.tmp, "nginx-mirror");
  mkdirSync(dir, { recursive: true });
  const conf = path.join(dir, "nginx.conf");
  writeFileSync(conf, renderTemplate(template("nginx-mirror.template.conf"), { DIR: dir, PORT: port, V1_PORT: v1Port, V2_PORT: v2Port }));
  return start("nginx", "nginx", ["nginx", "-p", dir, "-c", conf, "-e", path.join(dir, "error.log")], SUT_CPU);
}

/** A worker on its own `workerd serve`, pinned to the system-under-test CPU; its log lines go to /dev/null. */
export function startSystemWorkerd(
  name: string,
  workerd: WorkerdInfo,
  module: string,
  port: number,
  bindings: Record<string, string>,
  durableObjects: DurableObjectBinding[] = [],
): Proc {
  const { errPath, fd } = stderrFile(name);
  const child = startWorkerd({
    workerd,
    dir: path.join(work.tmp, name),
    module,
    port,
    bindings,
    durableObjects,
    stdout: "ignore",
    stderr: fd,
    prefix: pinned(SUT_CPU, []),
  });
  closeSync(fd);
  return track({ name, kind: "workerd", child, errPath, stopping: false });
}

/** The floor workers, served like the project (see their first comments). */
export const floorWorker = (file: "floor-worker.js" | "floor-headers-worker.js") => template(file);
