// Gateway API match precedence (HTTPRouteRule.Matches in apis/v1/httproute_types.go;
// conformance httproute-path-match-order, httproute-matching-across-routes): the
// matches of every rule attached to a hostname are ordered, across HTTPRoutes, by
//   an Exact path, then the longest PathPrefix (RegularExpression last, as Istio
//   ranks it: its precedence is implementation-specific), then a method match, then
//   the most header matches, then the most query-param matches;
// ties go to the oldest HTTPRoute (creationTimestamp), then to `namespace/name`
// alphabetically, then to the first rule and match in list order. The table's
// first-match-wins routes are emitted in this order.

export interface Precedence {
  /** Exact 3, PathPrefix 2, RegularExpression 1 */
  pathRank: number;
  /** characters of the path value */
  pathLength: number;
  method: boolean;
  headers: number;
  queryParams: number;
}

export interface Ranked {
  precedence: Precedence;
  /** the HTTPRoute's creationTimestamp in ms, if it has one */
  created?: number;
  /** `namespace/name` of the HTTPRoute */
  namespacedName: string;
  rule: number;
  match: number;
}

/** Sort comparator: negative when `a` takes precedence over `b`. */
export function byPrecedence(a: Ranked, b: Ranked): number {
  const p = a.precedence;
  const q = b.precedence;
  return (
    q.pathRank - p.pathRank ||
    q.pathLength - p.pathLength ||
    Number(q.method) - Number(p.method) ||
    q.headers - p.headers ||
    q.queryParams - p.queryParams ||
    // A route without a creationTimestamp counts as the youngest.
    (a.created ?? Infinity) - (b.created ?? Infinity) ||
    compareText(a.namespacedName, b.namespacedName) ||
    a.rule - b.rule ||
    a.match - b.match
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
