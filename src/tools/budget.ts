/** How long a create may take in all: its own timeout and the checks around it. Pure, imported by config and the tools. */

/**
 * Each list a write makes around its create (the duplicate check before, the follow-up check after a lost reply)
 * gets at most this long in all, and never more than the whole-call timeout itself.
 */
export const CHECK_BUDGET_MAX_MS = 15_000;
export function checkBudgetMs(timeoutMs: number): number {
  return Math.min(CHECK_BUDGET_MAX_MS, timeoutMs);
}

/**
 * The longest a create tool can take: its duplicate check, the create itself (STACKONE_TIMEOUT_MS), and the
 * follow-up check after a reply that was lost. An HTTP per-request timeout shorter than this could cut a create
 * off after it reached the LMS and before the check could say whether it did.
 */
export function createBudgetMs(timeoutMs: number): number {
  return timeoutMs + 2 * checkBudgetMs(timeoutMs);
}
