/** STACKONE_SANDBOX_FAULTS: the text an operator writes, read into the emulator's faults. */
import type { Fault } from './emulator.js';

const FAULT_STATUSES = [408, 429, 500, 502, 503, 504] as const;

/** "429:2*3,slow:3000,hang" -> three 429s with Retry-After 2, one slow reply, one hang. */
export function parseFaults(spec: string): Fault[] {
  const out: Fault[] = [];
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([a-z0-9]+)(?::(\d+))?(?:\*(\d+))?$/i.exec(item);
    const bad = () =>
      new Error(
        `STACKONE_SANDBOX_FAULTS: cannot read ${JSON.stringify(item)}; use e.g. 429:1*2, 503, slow:3000, heartbeat:20, hang.`,
      );
    if (!match) throw bad();
    const [, kind = '', argText, countText] = match;
    const arg = argText === undefined ? undefined : Number(argText);
    const count = countText === undefined ? 1 : Number(countText);
    if (count < 1 || count > 1000) throw bad();
    let fault: Fault;
    const status = Number(kind);
    if ((FAULT_STATUSES as readonly number[]).includes(status)) {
      fault = {
        type: 'status',
        status: status as (typeof FAULT_STATUSES)[number],
        ...(arg !== undefined ? { retryAfter: arg } : status === 429 ? { retryAfter: 1 } : {}),
      };
    } else if (kind === 'slow') {
      fault = { type: 'slow', delayMs: arg ?? 2000 };
    } else if (kind === 'heartbeat') {
      fault = { type: 'heartbeat', count: arg ?? 10, intervalMs: 200 };
    } else if (kind === 'hang') {
      fault = { type: 'hang' };
    } else throw bad();
    for (let i = 0; i < count; i++) out.push(fault);
  }
  return out;
}
