/** The one source of "now" in src/: a clock the bin creates and passes down, and tests replace with their own. */

/**
 * Milliseconds since the epoch, as the code reads "now": summaries ("overdue"), the writes' "started" instants and
 * time budgets, the upstream client's budgets and Retry-After dates, the directory cache's ages, the sandbox's data,
 * audit and log timestamps, token expiry. Passed down as a dependency, never defaulted below the bin, so a test that
 * forgets to give one does not compile rather than quietly reading the calendar. Durations of this process's own work
 * for logs and metrics (performance.now()) are not dates and stay off it.
 */
export type Clock = () => number;

/**
 * The machine's clock: the only place in src/ that reads it (tests/unit/clock.test.ts holds the rest to that). The
 * MCP Apps view reads the browser's through it too (src/view/main.ts).
 */
export const systemClock: Clock = () => Date.now();
