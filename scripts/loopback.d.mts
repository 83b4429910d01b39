// Types for scripts/loopback.mjs, so the TypeScript tests can import it.
export function freePort(): Promise<number>;
export function canConnect(port: number): Promise<boolean>;
export function groupAlive(pid: number): boolean;
export function stopProcessGroup(pid: number | undefined): Promise<void>;
