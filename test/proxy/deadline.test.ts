// beforeDeadline: the work's outcome or the deadline's, and no listener left on the
// signal once the work has settled (a left-over one kept the settled value, a body
// copy or v1's answer, alive for the shadow's whole 25 s deadline).
import { describe, expect, it, vi } from "vitest";
import { beforeDeadline } from "../../src/proxy/deadline";

describe("beforeDeadline", () => {
  it("resolves with the work, and a deadline passing afterwards calls nothing", async () => {
    const deadline = new AbortController();
    const timedOut = vi.fn(() => "timed out");
    await expect(beforeDeadline(Promise.resolve("done"), deadline.signal, timedOut)).resolves.toBe("done");
    deadline.abort();
    expect(timedOut).not.toHaveBeenCalled();
  });

  it("resolves with timedOut() when the deadline passes first", async () => {
    const deadline = new AbortController();
    const pending = beforeDeadline(new Promise<string>(() => {}), deadline.signal, () => "timed out");
    deadline.abort();
    await expect(pending).resolves.toBe("timed out");
  });

  it("an already passed deadline answers at once", async () => {
    const timedOut = vi.fn(() => "timed out");
    await expect(beforeDeadline(new Promise<string>(() => {}), AbortSignal.abort(), timedOut)).resolves.toBe("timed out");
    expect(timedOut).toHaveBeenCalledTimes(1);
  });

  it("passes a rejection on, and removes its listener then too", async () => {
    const deadline = new AbortController();
    const timedOut = vi.fn(() => "timed out");
    await expect(beforeDeadline(Promise.reject(new Error("broken")), deadline.signal, timedOut)).rejects.toThrow("broken");
    deadline.abort();
    expect(timedOut).not.toHaveBeenCalled();
  });
});
