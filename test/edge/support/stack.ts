// The worker as it runs in production — bundled with esbuild (the lab's bundleApp),
// served by workerd (through Miniflare's Node API) on a real socket — in front of
// recording origins, so tests can send raw HTTP bytes no in-process Request could express.
import { compatibilityDate } from "../../../devkit/compatibility-date";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Miniflare, type WorkerOptions as MiniflareWorkerOptions } from "miniflare";
import { bundleApp } from "../../../lab/shared/bundle";
import { startOrigin, type Behaviour, type Origin } from "../../../devkit/origin";
import { freePort } from "../../../devkit/loopback";
import { compileOrThrow } from "../../../src/config/compile";

const ORIGINS: [string, Behaviour][] = [
  ["v1", "ok"],
  ["v2", "ok"],
  ["v3", "ok"],
  ["reset-mid-headers", "reset-mid-headers"],
  ["reset-mid-body", "reset-mid-body"],
  ["huge", "huge"],
  ["chunked", "chunked"],
  ["huge-chunked", "huge-chunked"],
  ["slow-stream", "slow-stream"],
  ["early-hints", "early-hints"],
];

export interface Stack {
  port: number;
  origins: Record<string, Origin>;
  /** the worker's JSON log lines, parsed */
  logs: Record<string, unknown>[];
  /** everything else the runtime printed */
  stderr: string[];
  /** every record for a request id, across origins */
  /** stops the worker and starts it again, on the same port, with the same storage */
  restart(): Promise<void>;
  recordsFor(id: string): { origin: string; url: string; method: string; headers: Record<string, unknown>; bodySha256: string; complete: boolean }[];
  close(): Promise<void>;
}

/** What a test adds to the worker's runtime: Durable Objects, their storage, bindings. */
export type WorkerOptions = Pick<MiniflareWorkerOptions, "durableObjects" | "bindings"> & { durableObjectsPersist?: string };

/**
 * Starts the origins and the worker; `routesYaml` (with PORT_* placeholders) replaces
 * routes.edge.yaml.
 */
export async function startStack(routesYaml?: string, worker: WorkerOptions = {}): Promise<Stack> {
  const origins: Record<string, Origin> = {};
  for (const [name, behaviour] of ORIGINS) origins[name] = await startOrigin({ name, behaviour });
  const port = await freePort();
  const ports: Record<string, number> = { WORKER: port };
  for (const [name, origin] of Object.entries(origins)) ports[name.toUpperCase().replace(/-/g, "_")] = origin.port;
  const yaml = (routesYaml ?? readFileSync(new URL("./routes.edge.yaml", import.meta.url), "utf8")).replace(/PORT_([A-Z0-9_]+)/g, (_, n: string) => String(ports[n]));
  const table = compileOrThrow(yaml, "routes.edge.yaml");

  const script = await bundleApp(table);
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  const start = () =>
    new Miniflare({
      ...worker,
      modules: true,
      script,
      compatibilityDate: compatibilityDate(),
      host: "127.0.0.1",
      port,
      handleRuntimeStdio(out, err) {
        createInterface({ input: out }).on("line", (line) => {
          try {
            logs.push(JSON.parse(line));
          } catch {
            stderr.push(line);
          }
        });
        createInterface({ input: err }).on("line", (line) => stderr.push(line));
      },
    });
  let mf = start();
  await mf.ready;
  return {
    port,
    origins,
    logs,
    stderr,
    recordsFor: (id) => Object.values(origins).flatMap((o) => o.records.filter((r) => r.headers["x-request-id"] === id)),
    async restart() {
      await mf.dispose();
      mf = start();
      await mf.ready;
    },
    async close() {
      await mf.dispose();
      await Promise.all(Object.values(origins).map((o) => o.close()));
    },
  };
}


/** Polls until `check` holds or the deadline passes (shadows arrive after the response). */
export async function eventually(check: () => boolean, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
