// Guessing limits for the admin surface: at most GUESSES_PER_WINDOW failed sign-ins
// or bearer tokens per client in GUARD_WINDOW_MS; past that, every credential that
// client presents is answered 429 with Retry-After until the oldest failure leaves
// the window, the right one included (so a 429 says nothing about a guess). The count
// is exact: one SQLite-backed Durable Object per client (ADMIN_GUARD), not the
// Workers rate-limiting binding, which counts per location and eventually
// (docs/PLATFORM.md). A client is its CF-Connecting-IP; an IPv6 client its /64, the
// block one subscriber gets.
import { DurableObject } from "cloudflare:workers";

export const GUESSES_PER_WINDOW = 10;
export const GUARD_WINDOW_MS = 60_000;

export class AdminGuard extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS failures (at INTEGER NOT NULL)");
  }

  /**
   * One presented credential: `failed` when it matched no token. Returns 0 when the
   * answer may be given (a failure is then counted), else the seconds to wait.
   */
  attempt(failed: boolean): number {
    const sql = this.ctx.storage.sql;
    const now = Date.now();
    sql.exec("DELETE FROM failures WHERE at <= ?", now - GUARD_WINDOW_MS);
    const [row] = sql.exec<{ n: number; oldest: number | null }>("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM failures").toArray();
    if (row && row.n >= GUESSES_PER_WINDOW) return Math.max(1, Math.ceil((row.oldest! + GUARD_WINDOW_MS - now) / 1000));
    if (failed) {
      sql.exec("INSERT INTO failures (at) VALUES (?)", now);
      // Forget the client once its failures have all left the window.
      void this.ctx.storage.setAlarm(now + GUARD_WINDOW_MS + 1);
    }
    return 0;
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS failures (at INTEGER NOT NULL)");
  }
}

/** The client a guess is counted against. */
export function clientKey(headers: Headers): string {
  const ip = headers.get("cf-connecting-ip");
  if (!ip) return "unknown";
  return ip.includes(":") ? ipv6Prefix(ip) : ip;
}

/** `2001:db8:1:2:3::4` → `2001:db8:1:2::/64`. */
function ipv6Prefix(ip: string): string {
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}
