// wrk, the load generator: its command line (pinned to the load CPU), a static
// POST body script, and the figures parsed from its output.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { CONFIG, HOST_HEADER, LOAD_CPU, PATH } from "./config";
import { pinned, track, work } from "./processes";

export interface WrkResult {
  rps: number;
  requests: number;
  p50: number | null;
  p75: number | null;
  p90: number | null;
  p99: number | null;
  non2xx: number;
  socketErrors: number;
  socketErrorDetail: string;
}

/** A wrk script that POSTs `bytes` per request (static: built once by wrk). */
export function wrkScript(bytes: number): string {
  const file = path.join(work.tmp, `post-${bytes}.lua`);
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

/**
 * A wrk script that offers `rate` requests a second over `connections` connections:
 * before each request a connection waits an exponentially distributed time (mean
 * connections ÷ rate), so arrivals are Poisson, as independent clients' are. wrk's
 * delay() is in whole milliseconds, so the mean should be several ms (it is at the
 * rates the bench asks for).
 */
export function pacedScript(rate: number, connections: number, dir = work.tmp): string {
  const meanMs = (1000 * connections) / rate;
  const file = path.join(dir, `paced-${Math.round(rate)}.lua`);
  writeFileSync(
    file,
    [
      `-- ${Math.round(rate)} requests/s offered over ${connections} connections: exponential waits, mean ${meanMs.toFixed(2)} ms`,
      `local mean = ${meanMs}`,
      `function delay() return math.floor(-math.log(1 - math.random()) * mean + 0.5) end`,
      "",
    ].join("\n"),
  );
  return file;
}

/** What a scenario asks for other than the defaults (lab/bench/config.ts Scenario). */
export interface WrkTarget {
  host?: string;
  path?: string;
  connections?: number;
  /** requests a second offered (pacedScript) instead of as many as are answered */
  rate?: number;
}

function wrkArgs(duration: number, script: string | undefined, { host = HOST_HEADER, connections = CONFIG.connections, rate }: WrkTarget): string[] {
  const args = ["-t", String(CONFIG.threads), "-c", String(connections), "-d", `${duration}s`];
  args.push("--latency", "--timeout", "5s", "-H", `Host: ${host}`);
  if (script && rate !== undefined) throw new Error("a paced scenario cannot also send a body script");
  if (script) args.push("-s", script);
  if (rate !== undefined) args.push("-s", pacedScript(rate, connections));
  return args;
}

/** The command line as the report shows it. */
export function wrkCommandLine(script: boolean): string {
  const prefix = CONFIG.pin ? `taskset -c ${LOAD_CPU} ` : "";
  const s = script ? ` -s post-<N>.lua` : "";
  return `${prefix}wrk -t${CONFIG.threads} -c${CONFIG.connections} -d${CONFIG.duration}s --latency --timeout 5s -H 'Host: ${HOST_HEADER}'${s} http://127.0.0.1:<port>${PATH}`;
}

export function runWrk(
  port: number,
  duration: number,
  script: string | undefined,
  onSpawn: (pid: number) => void = () => {},
  target: WrkTarget = {},
): Promise<WrkResult> {
  const cmd = pinned(LOAD_CPU, ["wrk", ...wrkArgs(duration, script, target), `http://127.0.0.1:${port}${target.path ?? PATH}`]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    if (child.pid) onSpawn(child.pid);
    track({ name: "wrk", kind: "wrk", child, errPath: "", stopping: true });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.stderr.on("data", (c: Buffer) => (out += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), (duration + 20) * 1000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`wrk failed (${code}):\n${out}`));
      else resolve(parseWrk(out));
    });
  });
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "ms" ? v : unit === "s" ? v * 1000 : unit === "m" ? v * 60_000 : v * 3_600_000;
}

export function parseWrk(out: string): WrkResult {
  const pct = (p: number) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, "m").exec(out);
    return m ? toMs(m[1]!, m[2]!) : null;
  };
  const num = (re: RegExp) => {
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
