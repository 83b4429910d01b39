// The `set` / `add` maps of Istio HeaderOperations and MirrorPolicy shadowHeaders:
// header name → value, every name one the runtime's Headers accepts, every value
// one fetch() can send, and Envoy's %VARIABLE%s compiled (header-format.ts).
import type { Field } from "./field";
import { compileHeaderValue, SUPPORTED_VARIABLES } from "./header-format";
import { checkHeaderValue, headerName } from "./header-names";
import type { HeaderFormat } from "../routing/table";

export interface HeaderValues {
  /** lowercase name → the value to send, or, for a value with variables, its text (for tools) */
  values: Record<string, string>;
  /** the values with variables, split into parts */
  formats: Record<string, HeaderFormat>;
}

export function readHeaderValues(f: Field): HeaderValues {
  const out: HeaderValues = { values: {}, formats: {} };
  for (const [key, value] of f.entries()) {
    // `:authority` is read so the caller can say why Host cannot be set (rewrite.authority).
    const name = key.toLowerCase() === ":authority" ? ":authority" : headerName(value, key, value.keyAt);
    if (name === undefined) continue;
    // A null value is proto3's empty string, as Istio reads it.
    const text = value.present ? value.string() : "";
    if (text === undefined || !checkHeaderValue(value, text)) continue;
    const compiled = compileHeaderValue(text);
    if (!compiled.ok) {
      value.error(`header value ${JSON.stringify(text)} ${compiled.reason}`, `use literal text (%% for a literal %), or ${SUPPORTED_VARIABLES}`);
      continue;
    }
    if ("format" in compiled) {
      out.values[name] = text;
      out.formats[name] = compiled.format;
    } else if (compiled.literal === "") {
      value.warn("has an empty value: Envoy adds no header with an empty value (Istio does not set keep_empty_value), so this does nothing", "give the header a value, or remove it");
    } else out.values[name] = compiled.literal;
    // workerd sends any text as UTF-8 (as Envoy does), logging a compatibility warning each time.
    if (/[^\x00-\x7f]/.test(text))
      value.warn("has non-ASCII characters: they are sent as UTF-8, as Envoy sends them, and the Workers runtime logs a warning for every request that carries one", "use ASCII (percent-encode the rest) to keep the logs quiet");
  }
  return out;
}
