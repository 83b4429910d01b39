// DestinationRule trafficPolicy.tls (istio/api ClientTLSSettings): how the worker
// reaches an origin. SIMPLE originates TLS (the origin URL becomes https://);
// DISABLE, Istio's default, adds none (an HTTP port is reached over plain HTTP, an
// HTTPS port is TLS already). The worker cannot choose how a certificate is checked
// or which SNI is sent, so those settings are accepted with a warning saying what
// Cloudflare does instead; the mutual modes are refused with the reason.
import type { Field, KeyRules } from "../field";

/** What the compiler does with a destination's TLS mode: add TLS (https://) or not. */
export type OriginTls = "DISABLE" | "SIMPLE";

export const CLIENT_TLS: KeyRules = {
  known: ["mode", "sni", "caCertificates", "caCrl", "subjectAltNames", "insecureSkipVerify", "credentialName", "clientCertificate", "privateKey"],
};

const MODES = ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"];
/** How the origin's certificate is verified: Cloudflare's decision, not the worker's. */
const VERIFICATION = ["caCertificates", "caCrl", "subjectAltNames", "insecureSkipVerify", "credentialName"];
const CLIENT_CERTIFICATE = ["clientCertificate", "privateKey"];

export function readClientTls(f: Field): OriginTls | undefined {
  if (!f.checkMap(CLIENT_TLS)) return undefined;
  const modeField = f.get("mode");
  // proto3 default: DISABLE
  const mode = modeField.string() ?? (modeField.present ? undefined : "DISABLE");
  if (mode === undefined) return undefined;
  if (!MODES.includes(mode)) {
    modeField.error(`unknown TLS mode "${mode}"`, `use one of ${MODES.join(", ")}`);
    return undefined;
  }
  if (mode === "MUTUAL") {
    modeField.error(
      "MUTUAL is not supported yet: a Worker presents a client certificate only through an mTLS certificate binding ([[mtls_certificates]] in wrangler.toml, then env.<BINDING>.fetch(); see developers.cloudflare.com/workers/runtime-apis/bindings/mtls/), which edge-mirror does not use yet",
      "until then, point the ServiceEntry at a proxy that presents the certificate to this origin (e.g. an Istio egress gateway)",
    );
    return undefined;
  }
  if (mode === "ISTIO_MUTUAL") {
    modeField.error(
      "ISTIO_MUTUAL uses the certificates istiod issues to mesh workloads, and the worker is not one",
      "point the ServiceEntry at an Istio ingress gateway in front of the service (it does the mesh mTLS), or use mode: SIMPLE if the origin accepts plain HTTPS",
    );
    return undefined;
  }
  const set = (keys: string[]) => keys.filter((k) => f.get(k).present);
  if (mode === "DISABLE") {
    const extra = set(CLIENT_TLS.known.filter((k) => k !== "mode"));
    if (extra.length > 0) f.warn(`${extra.join(", ")}: no effect with mode DISABLE (no TLS is originated), as in Istio`);
    return "DISABLE";
  }
  if (f.get("sni").present)
    f.get("sni").warn("is not sent: a Worker's fetch() sends the origin URL's host name as SNI", "make the ServiceEntry endpoint address the name the origin's certificate is for", f.get("sni").keyAt);
  const verification = set(VERIFICATION);
  if (verification.length > 0)
    f.warn(
      `${verification.join(", ")}: not applied; Cloudflare, not the worker, verifies the origin's certificate (for an origin in your zone, as the zone's SSL/TLS encryption mode says: Full (strict) checks it against public CAs and the Cloudflare Origin CA)`,
      "give the origin a certificate Cloudflare accepts (a public CA, or a Cloudflare Origin CA certificate for an origin in your zone)",
    );
  const client = set(CLIENT_CERTIFICATE);
  if (client.length > 0) f.warn(`${client.join(", ")}: not used with mode SIMPLE (no client certificate is sent), as in Istio`);
  return "SIMPLE";
}
