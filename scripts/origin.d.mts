// Types for scripts/origin.mjs, so the TypeScript tests can import it.
export type Behaviour =
  | "ok"
  | "status500"
  | "reset"
  | "hold"
  | "slow"
  | "reset-mid-headers"
  | "reset-mid-body"
  | "huge"
  | "slow-stream"
  | "early-hints"
  | "chunked"
  | "huge-chunked";
export interface OriginRecord {
  origin: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
  bodySha256: string;
  complete: boolean;
  receivedAt: number;
  /** which TCP connection the request came on (1, 2, …): equal numbers mean a reused connection */
  connection: number;
  /** "huge" and "huge-chunked" only: the reader hung up before the whole body was sent */
  responseAborted?: boolean;
}
export interface Origin {
  name: string;
  port: number;
  url: string;
  records: OriginRecord[];
  release(): void;
  heldCount(): number;
  close(): Promise<void>;
}
export function startOrigin(options: {
  name: string;
  port?: number;
  host?: string;
  behaviour?: Behaviour;
  delayMs?: number;
  accessLog?: ((line: string) => void) | null;
  keepAliveTimeout?: number;
}): Promise<Origin>;
