/** The sandbox emulator as a test upstream, with every response it gives checked against the OpenAPI contract. */
import { expect } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { Exchange } from '../../src/sandbox/emulator.js';
import { SANDBOX_API_KEY, SANDBOX_DEFAULT_ACCOUNT } from '../../src/sandbox/seed.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/serve.js';
import { frozenClock } from './clock.js';
import { contractViolations } from './contract.js';
import { type Era, type Wired, type WirePath, wire } from './wire.js';

export interface CheckedSandbox extends Sandbox {
  exchanges: Exchange[];
  /** The emulator's clock: its seed is dated from it, and wireSandbox gives the server the same one. */
  now: Clock;
  /** Fails the test if any response so far drifted from StackOne's documented shapes. */
  assertContract(): void;
}

export async function startCheckedSandbox(now: Clock = frozenClock()): Promise<CheckedSandbox> {
  const exchanges: Exchange[] = [];
  const sandbox = await startSandbox({ observe: (e) => exchanges.push(e), now });
  return {
    ...sandbox,
    exchanges,
    now,
    assertContract: () => expect(contractViolations(exchanges)).toEqual([]),
  };
}

/** The real server over the real client, pointed at the sandbox with its key and its clock, as --sandbox wires it. */
export function wireSandbox(sandbox: CheckedSandbox, timeoutMs = 5_000, path?: WirePath, era?: Era): Promise<Wired> {
  return wire(sandbox.url, {
    deps: { apiKey: SANDBOX_API_KEY, accountId: SANDBOX_DEFAULT_ACCOUNT },
    client: { timeoutMs },
    path,
    era,
    now: sandbox.now,
  });
}
