// The floor: the least a mirroring worker can do. Forward the request to v1 and
// answer with its response; fire a bodiless copy of the method and path at v2
// inside waitUntil and drop its answer. No routing, no headers work, no logs.
// The bench serves it on the same workerd as the project; its cost is the limit
// of this runtime, and the project's cost is reported as a ratio to it.
export default {
  fetch(request, env, ctx) {
    const url = request.url;
    const target = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    ctx.waitUntil(
      fetch(env.V2 + target, { method: request.method })
        .then((r) => r.body?.cancel())
        .catch(() => {}),
    );
    return fetch(env.V1 + target, request);
  },
};
