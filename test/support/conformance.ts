// Helpers for the Gateway API conformance ports (test/integration/gateway-api-*.test.ts):
// each upstream test's routes compiled alone (global-setup.ts), requests sent through
// the worker as conformance sends them to the Gateway's address, and the checks its
// http.ExpectedResponse makes (which backend answered, what it received).
import { expect, inject } from "vitest";
import { recordsAt, send, type SendOptions, type Sent } from "./harness";
import type { OriginRecord } from "../../devkit/origin";
import type { RouteTable } from "../../src/routing/table";

const tables: Record<string, RouteTable> = JSON.parse(inject("gatewayApiTables"));

/** The Gateway's address: conformance requests carry it as Host unless the case names a hostname. */
export const GATEWAY = "http://gateway.conformance.test";

/** The route table of one conformance test (its ShortName). */
export function tableOf(shortName: string): RouteTable {
  const table = tables[shortName];
  if (!table) throw new Error(`no case "${shortName}" in routes.gateway-api.yaml`);
  return table;
}

/** Sends a request of conformance test `shortName` through the worker and waits for its shadows. */
export async function sendCase(shortName: string, target: string, init: SendOptions = {}): Promise<Sent> {
  const url = /^https?:\/\//.test(target) ? target : `${GATEWAY}${target}`;
  const sent = await send(url, { ...init, table: tableOf(shortName) });
  await sent.settled();
  return sent;
}

/** The backend that answered (the echo origins name themselves in x-origin), as conformance's `Backend`. */
export function backendOf(sent: Sent): string | null {
  return sent.response.headers.get("x-origin");
}

/** What `backend` received for this request: the one record conformance's ExpectedRequest checks. */
export async function receivedBy(backend: string, sent: Sent): Promise<OriginRecord> {
  const records = await recordsAt(backend, sent.requestId);
  expect(records, `${backend} records`).toHaveLength(1);
  return records[0]!;
}

/** A header's values as conformance compares them: comma-joined, so `a, b` (one Fetch header) equals `a,b`. */
export function values(header: string | string[] | null | undefined): string | undefined {
  if (header === null || header === undefined) return undefined;
  return (Array.isArray(header) ? header : [header]).flatMap((h) => h.split(",").map((v) => v.trim())).join(",");
}

/** Conformance's acceptance band for a binomial count: expected ± 3 standard deviations. */
export function threeSigma(n: number, p: number): [number, number] {
  const margin = 3 * Math.sqrt(n * p * (1 - p));
  return [n * p - margin, n * p + margin];
}
