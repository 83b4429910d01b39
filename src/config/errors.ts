// The one error type of the config compiler. Every problem found in routes.yaml
// carries where it is (file, line, column), which resource and field it is about
// (`VirtualService httpbin: spec.http[0].mirror.subset`) and how to fix it.

/** A note says how the file was read where the reading is not obvious (never a problem). */
export type Severity = "error" | "warning" | "note";

export interface Position {
  line: number;
  col: number;
}

export interface ConfigProblem {
  severity: Severity;
  file: string;
  line: number;
  col: number;
  /** `VirtualService httpbin`, or undefined for file-level problems */
  resource?: string;
  /** `spec.http[0].mirror.subset` */
  path?: string;
  message: string;
  fix?: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = `${p.file}:${p.line}:${p.col}`;
  const what = [p.resource, p.path].filter(Boolean).join(": ");
  const fix = p.fix ? `\n    fix: ${p.fix}` : "";
  return `${where} ${p.severity}: ${what ? `${what}: ` : ""}${p.message}${fix}`;
}

/** Thrown by compile() when routes.yaml has at least one error; carries all of them. */
export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    const errors = problems.filter((p) => p.severity === "error");
    super(
      `${errors.length} error(s) in ${errors[0]?.file ?? "routes file"}:\n` +
        errors.map(formatProblem).join("\n"),
    );
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** Collects problems while the compiler walks the file, so one run reports them all. */
export class Problems {
  readonly list: ConfigProblem[] = [];
  constructor(readonly file: string) {}

  add(severity: Severity, at: Position, detail: Omit<ConfigProblem, "severity" | "file" | "line" | "col">): void {
    this.list.push({ severity, file: this.file, line: at.line, col: at.col, ...detail });
  }

  get hasErrors(): boolean {
    return this.list.some((p) => p.severity === "error");
  }
}
