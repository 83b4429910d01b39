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
/** Numbers the server's TCP connections, keeps the open ones, records each request as it arrives. */
export function requestRecorder(
  server: import("node:http").Server,
  name: string,
): { records: OriginRecord[]; sockets: Set<import("node:net").Socket>; record(req: import("node:http").IncomingMessage): OriginRecord };
/** Reads the body into the record (size, SHA-256, complete), then calls onComplete. */
export function recordBody(req: import("node:http").IncomingMessage, record: OriginRecord, onComplete: () => void): void;
export function startOrigin(options: {
  name: string;
  port?: number;
  host?: string;
  behaviour?: Behaviour;
  delayMs?: number;
  accessLog?: ((line: string) => void) | null;
  keepAliveTimeout?: number;
}): Promise<Origin>;
