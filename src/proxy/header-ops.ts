// Istio HeaderOperations on a Headers object: remove, then set (replace), then
// add (append), in Envoy's order. Names are lowercase from the compiler. Values with
// Envoy `%VARIABLE%`s (HeaderOps.formats) are filled in per request, all against the
// headers as they are before this set's additions, as Envoy's HeaderParser does; a
// value that comes out empty adds nothing (Istio leaves keep_empty_value off).
import type { HeaderFormat, HeaderOps, ShadowSettings } from "../routing/table";
import { renderHeaderValue, type FormatContext } from "./header-format";

export type { FormatContext } from "./header-format";

/** `request`: the headers %REQ(…)% reads — those being changed, for a request. */
export function applyHeaderOps(headers: Headers, ops: HeaderOps | undefined, ctx: FormatContext, request: Headers = headers): void {
  if (!ops) return;
  for (const name of ops.remove ?? []) headers.delete(name);
  const formats = ops.formats;
  if (formats === undefined) {
    for (const [name, value] of Object.entries(ops.set ?? {})) headers.set(name, value);
    for (const [name, value] of Object.entries(ops.add ?? {})) headers.append(name, value);
    return;
  }
  const set = rendered(ops.set, formats.set, ctx, request);
  const add = rendered(ops.add, formats.add, ctx, request);
  for (const [name, value] of set) headers.set(name, value);
  for (const [name, value] of add) headers.append(name, value);
}

function rendered(values: Record<string, string> | undefined, formats: Record<string, HeaderFormat> | undefined, ctx: FormatContext, request: Headers): [string, string][] {
  return Object.entries(values ?? {}).flatMap(([name, text]): [string, string][] => {
    const format = formats?.[name];
    const value = format ? renderHeaderValue(format, ctx, request) : text;
    return value === "" ? [] : [[name, value]];
  });
}

/** MirrorPolicy shadowHeaders on the shadow's copy: remove, then set. */
export function applyShadowHeaders(headers: Headers, settings: ShadowSettings, ctx: FormatContext): void {
  const { removeHeaders, setHeaders, setFormats } = settings;
  if (setFormats !== undefined) {
    applyHeaderOps(headers, { remove: removeHeaders, set: setHeaders, formats: { set: setFormats } }, ctx);
    return;
  }
  // Every mirrored request comes here, most with nothing to do: no operations object, no entries arrays.
  for (const name of removeHeaders) headers.delete(name);
  for (const name in setHeaders) headers.set(name, setHeaders[name]!);
}

/** Applies response operations, copying the headers only when there is something to do. */
export function withResponseOps(response: Response, ctx: FormatContext, ...ops: (HeaderOps | undefined)[]): Response {
  const todo = ops.filter((o): o is HeaderOps => o !== undefined);
  if (todo.length === 0 || response.webSocket) return response;
  const headers = new Headers(response.headers);
  for (const o of todo) applyHeaderOps(headers, o, ctx, ctx.request);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
