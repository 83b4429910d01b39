// Serves one ES module bundle with `workerd serve` on 127.0.0.1, as Cloudflare runs
// a deployed worker (no wrangler dev proxy in front): the bench's systems under test
// and the soak's worker. The config comes from workerd.template.capnp.
import { compatibilityDate } from "../../devkit/compatibility-date";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderTemplate } from "./template";

const TEMPLATE = fileURLToPath(new URL("./workerd.template.capnp", import.meta.url));

export interface WorkerdInfo {
  /** the workerd binary */
  bin: string;
  version: string;
}

/** The workerd that wrangler and Miniflare run here (the npm package's binary). */
export function workerdInfo(): WorkerdInfo {
  // The package has no type declarations: its main module exports the binary's path as `default`.
  const pkg = createRequire(import.meta.url)("workerd") as { default: string; version: string };
  return { bin: pkg.default, version: pkg.version };
}

export interface WorkerdOptions {
  workerd: WorkerdInfo;
  /** where the config (and a copy of the module) are written */
  dir: string;
  /** the ES module to serve */
  module: string;
  port: number;
  /** text bindings (env.NAME) */
  bindings?: Record<string, string>;
  /** "pipe" to read the worker's log lines; "ignore" sends them to /dev/null */
  stdout?: "pipe" | "ignore";
  /** "pipe", or a file descriptor to write workerd's stderr to */
  stderr?: "pipe" | number;
  /** a command the process is started under, e.g. ["taskset", "-c", "0"] */
  prefix?: string[];
  /** SQLite-backed Durable Object classes the module exports, each bound as env.<binding>; stored on disk under `dir` */
  durableObjects?: DurableObjectBinding[];
  /** V8 flags for the isolate, e.g. ["--trace-gc"] (its lines go to stdout) */
  v8Flags?: string[];
  /** a loopback port for the V8 inspector (Chrome DevTools protocol at ws://127.0.0.1:<port>/main) */
  inspectorPort?: number;
}

export interface DurableObjectBinding {
  binding: string;
  className: string;
}

export function startWorkerd({ workerd, dir, module, port, bindings = {}, stdout = "ignore", stderr = "pipe", prefix = [], durableObjects = [], v8Flags = [], inspectorPort }: WorkerdOptions): ChildProcess {
  mkdirSync(dir, { recursive: true });
  if (durableObjects.length) mkdirSync(join(dir, "do"), { recursive: true });
  const moduleName = basename(module);
  // capnp's `embed` reads the module next to the config.
  if (resolve(module) !== resolve(dir, moduleName)) copyFileSync(module, join(dir, moduleName));
  const capnp = join(dir, "config.capnp");
  writeFileSync(
    capnp,
    renderTemplate(TEMPLATE, {
      PORT: port,
      MODULE: moduleName,
      COMPAT_DATE: compatibilityDate(),
      V8_FLAGS: v8Flags.map((f) => JSON.stringify(f)).join(", "),
      BINDINGS: [
        ...Object.entries(bindings).map(([k, v]) => `(name = "${k}", text = "${v}")`),
        ...durableObjects.map((d) => `(name = "${d.binding}", durableObjectNamespace = "${d.className}")`),
      ].join(", "),
      // On disk: workerd's in-memory Durable Object storage has no SQLite, so the classes' SQL would fail.
      DURABLE_OBJECTS: durableObjects.length
        ? `durableObjectNamespaces = [${durableObjects.map((d) => `(className = "${d.className}", uniqueKey = "edge-mirror-${d.className}", enableSql = true)`).join(", ")}],\n  durableObjectStorage = (localDisk = "do-disk"),`
        : "",
      EXTRA_SERVICES: durableObjects.length ? `(name = "do-disk", disk = (path = "${join(dir, "do")}", writable = true)),` : "",
    }),
  );
  const argv = [...prefix, workerd.bin, "serve", capnp, ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [])];
  return spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", stdout, stderr] });
}
