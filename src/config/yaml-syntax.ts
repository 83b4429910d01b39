// A YAML syntax error, told once. One slip (a tab, an unclosed `[`) makes the yaml
// parser report a cascade — 12 errors for one `[` — and the one that names the cause
// is often not the first by position. So a file's syntax errors become one problem:
// the cause (a tab used as indentation, else a flow collection never closed, else the
// first error in the file) and how many errors the parser reported in all.
import { Parser, type CST, type LineCounter, type YAMLError } from "yaml";
import type { Position } from "./errors";

export interface SyntaxProblem {
  at: Position;
  message: string;
  fix: string;
}

/** One problem for all of `errors` (the syntax errors of every document of `text`), or undefined when there are none. */
export function leadSyntaxError(text: string, errors: readonly YAMLError[], lineCounter: LineCounter): SyntaxProblem | undefined {
  if (errors.length === 0) return undefined;
  const others = errors.length - 1;
  const rest = others === 1 ? "the other most likely follows" : `the other ${others} most likely follow`;
  const count = others === 0 ? "" : ` (the parser reported ${errors.length} YAML syntax errors; ${rest} from this one: fix it and check again)`;
  const tab = errors.filter((e) => e.code === "TAB_AS_INDENT").sort(byOffset)[0];
  if (tab) {
    return {
      at: lineCounter.linePos(tab.pos[0]),
      message: `YAML syntax: a tab used as indentation; YAML indents with spaces only${count}`,
      fix: "replace the tab at the start of this line with spaces (two per level, as the lines around it)",
    };
  }
  const open = unclosedFlow(text);
  if (open !== undefined && errors.some((e) => e.code === "BAD_INDENT" || e.code === "BLOCK_IN_FLOW" || e.code === "MISSING_CHAR")) {
    const close = open.char === "[" ? "]" : "}";
    return {
      at: lineCounter.linePos(open.offset),
      message: `YAML syntax: this "${open.char}" is never closed${count}`,
      fix: `close it with "${close}", e.g. ${open.char === "[" ? "[a, b]" : "{name: a}"} on one line, or remove the "${open.char}"`,
    };
  }
  // Two resources pasted without `---` between them (istio.io's VirtualService reference
  // page has one such example): the second's apiVersion or kind repeats a top-level key.
  const pasted = errors.filter((e) => e.code === "DUPLICATE_KEY").sort(byOffset).find((e) => {
    const at = lineCounter.linePos(e.pos[0]);
    return at.col === 1 && /^(apiVersion|kind)\s*:/.test(text.slice(e.pos[0]));
  });
  if (pasted) {
    const key = /^(apiVersion|kind)/.exec(text.slice(pasted.pos[0]))![1];
    return {
      at: lineCounter.linePos(pasted.pos[0]),
      message: `YAML syntax: a second resource starts here without a "---" line before it ("${key}" appears twice in one document)${count}`,
      fix: 'put a line "---" before this line (each resource is its own YAML document)',
    };
  }
  const first = [...errors].sort(byOffset)[0]!;
  return {
    at: lineCounter.linePos(first.pos[0]),
    message: `YAML syntax: ${first.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}${count}`,
    fix: "correct the YAML at this position (indentation, quotes, brackets)",
  };
}

const byOffset = (a: YAMLError, b: YAMLError) => a.pos[0] - b.pos[0];

/** The first `[` or `{` in `text` whose flow collection has no closing bracket, from yaml's own CST. */
export function unclosedFlow(text: string): { offset: number; char: "[" | "{" } | undefined {
  for (const token of new Parser().parse(text)) {
    const found = walk(token);
    if (found) return found;
  }
  return undefined;
}

function walk(token: CST.Token | undefined): { offset: number; char: "[" | "{" } | undefined {
  if (!token) return undefined;
  switch (token.type) {
    case "document":
      return walk(token.value);
    case "flow-collection": {
      const closer = token.start.source === "[" ? "]" : "}";
      if (!token.end.some((t) => t.source === closer)) return { offset: token.start.offset, char: token.start.source as "[" | "{" };
      return items(token.items);
    }
    case "block-map":
    case "block-seq":
      return items(token.items);
    default:
      return undefined;
  }
}

function items(list: readonly { key?: CST.Token | null; value?: CST.Token }[]): { offset: number; char: "[" | "{" } | undefined {
  for (const item of list) {
    const found = walk(item.key ?? undefined) ?? walk(item.value);
    if (found) return found;
  }
  return undefined;
}
