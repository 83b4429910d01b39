// Run first by `npm test`: what the tests need from this machine besides Node, said
// in one line each and before anything else runs, rather than as a failing test
// among hundreds. Today: Chromium for the dashboard's browser tests (test/browser/).
import { hasChromium, MISSING_CHROMIUM } from "../test/support/chromium";

if (!hasChromium()) {
  console.error(MISSING_CHROMIUM);
  process.exitCode = 1;
}
