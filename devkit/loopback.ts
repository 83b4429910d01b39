// Small helpers the tests, the tools and the lab scripts share for processes and
// ports on this machine (loopback only).
import { connect, createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** Whether any process of the group led by `pid` (spawned with detached: true) is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the whole group, up to 5 s to exit, then SIGKILL and up to 2 s more. */
export async function stopProcessGroup(pid: number | undefined): Promise<void> {
  if (!pid || !groupAlive(pid)) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {}
  };
  const waitUntil = async (deadline: number) => {
    while (groupAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  };
  signal("SIGTERM");
  await waitUntil(Date.now() + 5_000);
  if (!groupAlive(pid)) return;
  signal("SIGKILL");
  await waitUntil(Date.now() + 2_000);
}

/** Last resort on exit (synchronous): SIGKILL the group led by `pid` if any of it is alive. */
export function killGroupNow(pid: number | undefined): void {
  if (!pid || !groupAlive(pid)) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {}
}
