// HTTPHeaderFilter (RequestHeaderModifier / ResponseHeaderModifier in gateway-api
// apis/v1/httproute_types.go) → the table's HeaderOps: `set` replaces, `add`
// appends, `remove` deletes; names are case-insensitive, and one name may have
// one action only. Host cannot be set by a Worker: URLRewrite's hostname is the way.
import type { Field, KeyRules } from "../field";
import type { HeaderOps } from "../../routing/table";
import { HEADER_NAME } from "./matches";

export const HTTP_HEADER_FILTER: KeyRules = { known: ["set", "add", "remove"] };
export const HTTP_HEADER: KeyRules = { known: ["name", "value"] };

export function readHeaderFilter(f: Field, direction: "request" | "response"): HeaderOps | undefined {
  if (!f.checkMap(HTTP_HEADER_FILTER)) return undefined;
  const acted = new Map<string, string>();
  const claim = (name: string, action: string, at: Field): boolean => {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      at.error(`"${name}" is not a valid header name`, "use a token: letters, digits and - . _ ~ and the like");
      return false;
    }
    if (direction === "request" && (lower === "host" || lower === ":authority")) {
      at.error("a Worker cannot set Host on a request to its origin", "use a URLRewrite filter with hostname, which edge-mirror sends as X-Forwarded-Host");
      return false;
    }
    const before = acted.get(lower);
    if (before !== undefined) {
      at.error(`header "${name}" already has a ${before} action here; a header filter allows one action per header name (Gateway API)`, "keep one of them");
      return false;
    }
    acted.set(lower, action);
    return true;
  };
  const ops: HeaderOps = {};
  for (const action of ["set", "add"] as const) {
    const values: Record<string, string> = {};
    for (const item of f.get(action).items()) {
      if (!item.checkMap(HTTP_HEADER)) continue;
      item.get("name").require("name the header, e.g. name: X-Env");
      item.get("value").require("give the header's value");
      const name = item.get("name").string();
      const value = item.get("value").string();
      if (name !== undefined && value !== undefined && claim(name, action, item.get("name"))) values[name.toLowerCase()] = value;
    }
    if (Object.keys(values).length) ops[action] = values;
  }
  const remove = f.get("remove").items().flatMap((item) => {
    const name = item.string();
    return name !== undefined && claim(name, "remove", item) ? [name.toLowerCase()] : [];
  });
  if (remove.length) ops.remove = remove;
  return ops;
}
