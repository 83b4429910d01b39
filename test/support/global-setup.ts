// Starts the recording origins on loopback (in Node, outside workerd), compiles
// the integration routes against their ports, and hands the table and a control
// URL to the tests. The control server lets tests read what each origin received
// and release requests held by the "hold" origin.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import { WebSocketServer } from "ws";
import { startOrigin } from "../../devkit/origin";
import { startFlakyOrigin } from "./flaky-origin";
import { compileOrThrow } from "../../src/config/compile";
import { conformanceTables } from "./gateway-api-cases";

type Origin = Awaited<ReturnType<typeof startOrigin>>;

export default async function setup(project: TestProject) {
  const origins: Origin[] = await Promise.all([
    startOrigin({ name: "v1" }),
    startOrigin({ name: "v2" }),
    startOrigin({ name: "v3" }),
    startOrigin({ name: "status500", behaviour: "status500" }),
    startOrigin({ name: "reset", behaviour: "reset" }),
    startOrigin({ name: "hold", behaviour: "hold" }),
    // Answers at once, then holds the rest of its body (unsized, and sized): test/integration/log-line.test.ts.
    startOrigin({ name: "stall", behaviour: "slow-stream" }),
    startOrigin({ name: "stallsized", behaviour: "slow-stream-sized" }),
    // A second instance of v1, for DestinationRule load balancing across two endpoints.
    startOrigin({ name: "v1b" }),
    // Fails the first try of each request on purpose, for the retry tests.
    startFlakyOrigin("flaky"),
    // Gateway API conformance's backends, echoing as its echo-basic does (routes.gateway-api.yaml).
    startOrigin({ name: "infra-backend-v1", behaviour: "echo" }),
    startOrigin({ name: "infra-backend-v2", behaviour: "echo" }),
    startOrigin({ name: "infra-backend-v3", behaviour: "echo" }),
  ]);
  // A port that was open a moment ago and is now closed: connections are refused.
  const refused = await startOrigin({ name: "refused" });
  await refused.close();

  // A WebSocket echo origin: upgrades are proxied to the primary and never mirrored.
  const ws = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  ws.on("connection", (socket, req) => {
    socket.send(`hello from ws, x-forwarded-host=${req.headers["x-forwarded-host"]}`);
    socket.on("message", (data) => socket.send(`echo: ${data}`));
  });
  await new Promise((resolve) => ws.once("listening", resolve));

  const ports: Record<string, number> = { REFUSED: refused.port, WS: (ws.address() as { port: number }).port };
  for (const o of origins) ports[o.name.toUpperCase()] = o.port;
  const template = readFileSync(fileURLToPath(new URL("./routes.integration.yaml", import.meta.url)), "utf8");
  const yaml = template.replace(/PORT_([A-Z0-9]+)/g, (_, name: string) => String(ports[name]));
  const table = compileOrThrow(yaml, "routes.integration.yaml");

  const control = await startControl(origins);
  const address = control.address();
  const controlUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  project.provide("table", JSON.stringify(table));
  project.provide("gatewayApiTables", JSON.stringify(conformanceTables(ports)));
  project.provide("controlUrl", controlUrl);
  // Which recording origin listens on which port, so a test can tell where a planned origin URL points.
  project.provide("originNames", JSON.stringify(Object.fromEntries(origins.map((o) => [String(o.port), o.name]))));

  return async () => {
    await new Promise((resolve) => control.close(resolve));
    await Promise.all(origins.map((o) => o.close()));
    await new Promise((resolve) => ws.close(resolve));
  };
}

/** GET /records?id=<x-request-id> → every origin's records for that request; POST /release → answer held requests. */
async function startControl(origins: Origin[]): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://control");
    if (url.pathname === "/records") {
      const id = url.searchParams.get("id");
      const records = origins.flatMap((o) => o.records).filter((r) => r.headers["x-request-id"] === id);
      const held = origins.find((o) => o.name === "hold")?.heldCount() ?? 0;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ records, held }));
    } else if (url.pathname === "/release") {
      origins.forEach((o) => o.release());
      res.writeHead(204).end();
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

declare module "vitest" {
  export interface ProvidedContext {
    table: string;
    controlUrl: string;
    originNames: string;
    /** conformance test ShortName → its route table (gateway-api-cases.ts) */
    gatewayApiTables: string;
  }
}
