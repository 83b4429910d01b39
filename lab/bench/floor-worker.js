// The floor: the least a mirroring worker can do. Forward the request to v1 and
// answer with its response; fire a bodiless copy (method and path) at v2 inside
// waitUntil and drop its answer. No routing, no header work, no logs. The bench
// serves it on the same workerd as the project: its cost is this runtime's limit,
// and the project's cost is reported as a ratio to it.
//
// How the shadow's answer is dropped is a binding, because it matters on workerd:
//   DISCARD = "read"    read it to the end (the floor): the connection goes back
//                       to the pool and the next shadow reuses it
//   DISCARD = "cancel"  response.body.cancel(): workerd closes the connection, so
//                       every shadow opens a new one (shown as "floor, cancel()")
export default {
  /**
   * @param {Request} request
   * @param {{ V1: string, V2: string, DISCARD?: string }} env
   * @param {ExecutionContext} ctx
   */
  fetch(request, env, ctx) {
    const url = request.url;
    const target = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    const shadow = fetch(env.V2 + target, { method: request.method });
    ctx.waitUntil(
      (env.DISCARD === "cancel" ? shadow.then((r) => r.body?.cancel()) : shadow.then((r) => r.arrayBuffer())).catch(() => {}),
    );
    return fetch(env.V1 + target, request);
  },
};
