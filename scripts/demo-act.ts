// What the acts of `npm start` after the walkthrough share (scripts/demo-compare.ts,
// scripts/demo-capture.ts): how an act is handed the running worker and the terminal,
// a plain GET through the worker, and running one of the project's tools as a user
// would (`npm run gate`, `npm run replay`: the token from the environment).
import { request } from "node:http";
import type { WorkerEvent } from "../devkit/wrangler-dev";
import { runCommand } from "../devkit/run-command";

export interface Styles {
  bold: (s: string) => string;
  dim: (s: string) => string;
  green: (s: string) => string;
  red: (s: string) => string;
  magenta: (s: string) => string;
  yellow: (s: string) => string;
}

export interface ActOptions {
  port: number;
  host: string;
  token: string;
  say: (line?: string) => void;
  heading: (title: string) => void;
  styles: Styles;
  /** the worker's JSON log lines seen so far */
  events: readonly WorkerEvent[];
}

export interface Answer {
  status: number;
  body: string;
}

/** GET `path` through the worker on loopback, with `host` as its Host header. */
export function get(port: number, host: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, headers: { host, "user-agent": "edge-mirror-demo", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error("no answer from the worker within 15 s")));
    req.on("error", reject);
    req.end();
  });
}

/** One of src/tools/ as `npm run <tool>` runs it, with the admin token in the environment. */
export async function runTool(script: string, args: string[], token: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const run = await runCommand(process.execPath, ["--import", "tsx", script, ...args], { env: { ...process.env, EDGE_MIRROR_ADMIN_TOKEN: token } });
  return { ...run, code: run.code ?? 2 };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
