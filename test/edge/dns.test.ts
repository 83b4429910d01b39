// A shadow origin whose DNS name does not resolve. Run in a private network
// namespace (unshare --map-root-user --net, which needs no root where user namespaces
// are allowed) so the failed lookup never reaches a real resolver.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

describe("shadow origin with a DNS name that does not resolve", () => {
  it("the client gets v1's answer and the shadow is logged as connect_failed", () => {
    const run = spawnSync("unshare", ["--map-root-user", "--net", "sh", "-c", "ip link set lo up && exec node --import tsx test/edge/support/dns-probe.ts"], {
      encoding: "utf8",
      timeout: 60_000,
    });
    const line = run.stdout.split("\n").find((l) => l.startsWith("{"));
    expect(line, `probe failed: ${run.stderr.slice(-2000)}`).toBeDefined();
    const result = JSON.parse(line!);
    expect(result).toMatchObject({ status: 200, origin: "v1" });
    expect(result.shadow).toMatchObject({ destination: "shadow.does-not-resolve.example", error: "connect_failed" });
  }, 60_000);
});
