// A command run to its end with its output collected: how the demo and the end-to-end
// tests run the project's own tools (`npm run gate`, `npm run replay`) as a user would.
import { spawn } from "node:child_process";

export interface CommandResult {
  /** the exit code; null when a signal ended it */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args…` with stdin closed; resolves once its output streams are closed. */
export function runCommand(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c));
    child.stderr.on("data", (c: Buffer) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
