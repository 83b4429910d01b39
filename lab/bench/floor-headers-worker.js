// The floor plus the header work a mirror with Istio's semantics cannot skip, and
// nothing else: no routing table, no Hono, no logs. It answers "how much of the
// project's cost over the floor is the job itself, and how much is the project?"
//
// Per request, as the project does it for the seed's route:
//   - the primary gets a copy of the client's headers: hop-by-hop names removed
//     (RFC 9110 §7.6.1), Host dropped (a Worker cannot set it), X-Forwarded-Host
//     and -Proto set, X-Forwarded-For appended, an x-request-id kept or created
//   - the shadow gets its own copy (fetch() may read a Headers object after it
//     returns), X-Forwarded-Host with Envoy's -shadow suffix, a deadline, and is
//     sent with redirect: "manual"; its answer is read to the end (as the floor's)
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"];

export default {
  /**
   * @param {Request} request
   * @param {{ V1: string, V2: string }} env
   * @param {ExecutionContext} ctx
   */
  fetch(request, env, ctx) {
    const url = request.url;
    const target = url.slice(url.indexOf("/", url.indexOf("//") + 2));
    const incoming = request.headers;
    const authority = incoming.get("host") ?? "";
    const clientIp = incoming.get("cf-connecting-ip");
    const headers = new Headers(incoming);
    for (const name of HOP_BY_HOP) headers.delete(name);
    headers.delete("host");
    headers.set("x-forwarded-host", authority);
    headers.set("x-forwarded-proto", "http");
    if (clientIp) headers.set("x-forwarded-for", clientIp);
    headers.set("x-request-id", incoming.get("x-request-id") || crypto.randomUUID());
    const shadowHeaders = new Headers(headers);
    const colon = authority.lastIndexOf(":");
    shadowHeaders.set("x-forwarded-host", colon < 0 ? `${authority}-shadow` : `${authority.slice(0, colon)}-shadow${authority.slice(colon)}`);
    const shadow = fetch(env.V2 + target, { method: request.method, headers: shadowHeaders, redirect: "manual", signal: AbortSignal.timeout(25_000) });
    ctx.waitUntil(shadow.then((r) => r.arrayBuffer()).catch(() => {}));
    return fetch(env.V1 + target, { method: request.method, headers, body: request.body, redirect: "manual" });
  },
};
