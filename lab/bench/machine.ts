// What the bench needs from the machine (nginx with its echo module, wrk, taskset:
// installed with apt-get when missing and root) and what it reports about it.
import { compatibilityDate } from "../../devkit/compatibility-date";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../shared/root";
import type { WorkerdInfo } from "../shared/workerd";
import { ECHO_MODULE } from "./config";
import { has, run } from "./processes";

export function ensureTools(): void {
  const missing: string[] = [];
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
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  let r = run("apt-get", ["install", "-y", ...missing], { env: aptEnv });
  if (!r.ok) {
    run("apt-get", ["update"], { env: aptEnv });
    r = run("apt-get", ["install", "-y", ...missing], { env: aptEnv });
  }
  if (!r.ok) throw new Error(`\`${install}\` failed:\n${r.out.slice(-2000)}`);
}

export interface MachineInfo {
  date: string;
  nproc: number;
  cpu: string;
  memGiB: number;
  kernel: string;
  node: string;
  workerd: string;
  wrangler: string;
  nginx: string;
  wrk: string;
}

export function machine(workerd: WorkerdInfo): MachineInfo {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  const mhz = /^cpu MHz\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim();
  const nginxVersion = /nginx\/([\d.]+)/.exec(run("nginx", ["-v"]).out)?.[1] ?? "?";
  const wrkVersion = /wrk (\S+)/.exec(run("wrk", ["-v"]).out)?.[1] ?? "?";
  const wrangler = (JSON.parse(readFileSync(path.join(ROOT, "node_modules/wrangler/package.json"), "utf8")) as { version: string }).version;
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu: model + (mhz ? ` (${Math.round(Number(mhz))} MHz)` : ""),
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    workerd: `${workerd.version} (compat date ${compatibilityDate()})`,
    wrangler,
    nginx: nginxVersion,
    wrk: wrkVersion,
  };
}
