// What one isolate allows the experiment (issue 17): bytes held for shadows and
// comparisons (memory-budget.ts), and comparison work per second (compare/work-budget.ts).
// Its own module so that the pipeline and the comparison both use it without
// importing each other.
import type { MemoryLedger } from "./memory-budget";
import type { WorkWindow } from "../compare/work-budget";

export interface IsolateBudgets {
  memory: MemoryLedger;
  cpu: WorkWindow;
}
