// Istio HeaderOperations on a Headers object: remove, then set (replace), then
// add (append), in Envoy's order. Names are lowercase from the compiler.
import type { HeaderOps } from "../routing/table";

export function applyHeaderOps(headers: Headers, ops: HeaderOps | undefined): void {
  if (!ops) return;
  for (const name of ops.remove ?? []) headers.delete(name);
  for (const [name, value] of Object.entries(ops.set ?? {})) headers.set(name, value);
  for (const [name, value] of Object.entries(ops.add ?? {})) headers.append(name, value);
}

/** Applies response operations, copying the headers only when there is something to do. */
export function withResponseOps(response: Response, ...ops: (HeaderOps | undefined)[]): Response {
  const todo = ops.filter((o): o is HeaderOps => o !== undefined);
  if (todo.length === 0 || response.webSocket) return response;
  const headers = new Headers(response.headers);
  for (const o of todo) applyHeaderOps(headers, o);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
