// YAML anchors (`&base`), aliases (`*base`) and `<<` merge keys, resolved in the
// parsed tree before the compiler reads it, as kubectl resolves them before a
// resource reaches Istio. Nodes are shared, never copied: a value reached through
// an alias keeps the line and column where it is written, so errors point there.
import { isAlias, isMap, isScalar, isSeq, visit, type Alias, type Document, type Node, type Pair } from "yaml";

/** A document whose aliases expand past this many nodes is refused (an "alias bomb" would expand exponentially). */
export const MAX_EXPANDED_NODES = 100_000;

export interface AliasProblem {
  /** where to report it */
  node: Node | null;
  message: string;
  fix?: string;
}

/**
 * Replaces every alias by the node it names and every `<<` merge by the pairs it
 * brings in (YAML 1.1 merge: the map's own keys win, then earlier sources over later
 * ones). Returns the problems found; the tree is usable only when there are none.
 */
export function resolveAliases(doc: Document.Parsed): AliasProblem[] {
  const problems: AliasProblem[] = [];
  const done = new Set<Node>();
  const open = new Set<Node>();
  const targets = aliasTargets(doc);

  const resolve = (node: Node | null): Node | null => {
    if (node === null) return null;
    if (isAlias(node)) {
      const target = targets.get(node);
      if (!target) {
        problems.push({ node, message: `alias *${node.source} names no anchor before it`, fix: `define &${node.source} earlier in the same document` });
        return null;
      }
      if (open.has(target)) {
        problems.push({ node, message: `alias *${node.source} refers to a node that contains it`, fix: "an anchor cannot include itself" });
        return null;
      }
      return resolve(target);
    }
    if (done.has(node) || !(isMap(node) || isSeq(node))) return node;
    open.add(node);
    if (isSeq(node)) node.items = node.items.map((item) => resolve(item as Node | null));
    else node.items = mergedPairs(node.items as Pair<Node | null, Node | null>[]);
    open.delete(node);
    done.add(node);
    return node;
  };

  const mergedPairs = (pairs: Pair<Node | null, Node | null>[]): Pair<Node | null, Node | null>[] => {
    for (const pair of pairs) pair.value = resolve(pair.value);
    if (!pairs.some((p) => isMergeKey(p.key))) return pairs;
    const explicit = new Set(pairs.flatMap((p) => (isMergeKey(p.key) ? [] : [keyOf(p.key)])));
    const taken = new Set<string | undefined>();
    const out: Pair<Node | null, Node | null>[] = [];
    for (const pair of pairs) {
      if (!isMergeKey(pair.key)) {
        out.push(pair);
        continue;
      }
      const sources = isSeq(pair.value) ? (pair.value.items as (Node | null)[]) : [pair.value];
      for (const source of sources) {
        if (!isMap(source)) {
          // An alias that named nothing has been reported already.
          if (source === null && problems.length > 0) continue;
          problems.push({ node: source ?? pair.key, message: "a << merge takes a mapping or a list of mappings", fix: "merge an anchored mapping, e.g. <<: *defaults" });
          continue;
        }
        for (const merged of source.items as Pair<Node | null, Node | null>[]) {
          const key = keyOf(merged.key);
          if (explicit.has(key) || taken.has(key)) continue;
          taken.add(key);
          out.push(merged);
        }
      }
    }
    return out;
  };

  doc.contents = resolve(doc.contents as Node | null) as typeof doc.contents;
  if (problems.length === 0 && expandedSize(doc.contents as Node | null, new Map()) > MAX_EXPANDED_NODES) {
    problems.push({
      node: doc.contents as Node | null,
      message: `aliases expand this document to more than ${MAX_EXPANDED_NODES} nodes`,
      fix: "write the repeated parts out, or alias fewer nested anchors",
    });
  }
  return problems;
}

/**
 * Each alias's node: the last anchor of its name before it, in document order (YAML;
 * Alias.resolve does the same, but walks the whole document per alias). Taken in one
 * walk before any alias is replaced, since a walk after would follow shared nodes.
 */
function aliasTargets(doc: Document.Parsed): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  visit(doc, {
    Node(_, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

/** `<<` as a plain key: with the yaml package's `merge` option it is parsed as a symbol. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === "symbol" && key.value.description === "<<";
}

function keyOf(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

/** Nodes the tree would have with every alias written out; shared nodes are counted once per use. */
function expandedSize(node: Node | null, memo: Map<Node, number>): number {
  if (node === null) return 1;
  const known = memo.get(node);
  if (known !== undefined) return known;
  let size = 1;
  if (isSeq(node)) for (const item of node.items) size += expandedSize(item as Node | null, memo);
  else if (isMap(node)) for (const pair of node.items) size += expandedSize(pair.key as Node | null, memo) + expandedSize(pair.value as Node | null, memo);
  memo.set(node, size);
  return size;
}
