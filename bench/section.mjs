// @ts-check
/** Rewrites one section of BENCHMARKS.md, for the bench scripts that measure one thing each (report, shared cache). */
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Puts `text` into `file` in place of the section under `heading` (from it to the next `## ` or the end), or after
 * everything when there is none: so one script's figures are refreshed without running the whole bench.
 * @param {string} file
 * @param {string} heading
 * @param {string} text
 */
export function writeSection(file, heading, text) {
  const current = readFileSync(file, 'utf8');
  const start = current.indexOf(heading);
  if (start === -1) {
    writeFileSync(file, `${current.trimEnd()}\n\n${text}\n`);
    return;
  }
  const next = current.indexOf('\n## ', start + heading.length);
  writeFileSync(file, `${current.slice(0, start)}${text}\n${next === -1 ? '' : current.slice(next)}`);
}
