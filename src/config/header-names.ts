// Header names and values as the runtime will use them. A name the compiler accepts
// must be one `Headers` takes (an RFC 9110 token, or `Headers.get` throws per
// request), and a value one `fetch()` can send (no CR, LF, NUL — Istio refuses every
// control character but tab: ValidateHTTPHeaderValue in pkg/config/validation).
import type { Field } from "./field";
import type { Position } from "./errors";

/** RFC 9110 §5.1 field-name = token (tchar: Istio's validHeaderNameRegex). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Istio's httpHeaderValueRegexp: no control characters except horizontal tab. */
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;

export function isToken(name: string): boolean {
  return TOKEN.test(name);
}

/**
 * A header name to read, set, add or remove: a token, lowercased (header names are
 * case-insensitive; the runtime's Headers lowercases them too). Reports and returns
 * undefined otherwise; `at` is where the name is written (a map key's position).
 */
export function headerName(f: Field, name: string, at: Position = f.at): string | undefined {
  if (name === "") {
    f.error("header name cannot be empty (Istio)", "name the header, e.g. x-env", at);
    return undefined;
  }
  if (!isToken(name)) {
    f.error(`header name ${JSON.stringify(name)} is not a valid HTTP header name (an RFC 9110 token: letters, digits and !#$%&'*+-.^_\`|~)`, "use a name like x-my-header", at);
    return undefined;
  }
  return name.toLowerCase();
}

/** The header names of a list field (`remove`, CORS headers): each checked, lowercased. `star`: `*` allowed (CORS). */
export function headerNames(f: Field, { star = false, lower = true }: { star?: boolean; lower?: boolean } = {}): string[] {
  return f.items().flatMap((item) => {
    const name = item.string();
    if (name === undefined) return [];
    if (star && name === "*") return [name];
    const checked = headerName(item, name);
    return checked === undefined ? [] : [lower ? checked : name];
  });
}

/** Whether a header value can be sent: reports a control character (CR, LF, NUL…) otherwise. */
export function checkHeaderValue(f: Field, value: string): boolean {
  const bad = CONTROL.exec(value);
  if (!bad) return true;
  const code = `U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  f.error(`header value ${JSON.stringify(value)} contains the control character ${code}: Istio refuses it, and no HTTP request can carry it`, "remove the control character (a tab is allowed)");
  return false;
}
