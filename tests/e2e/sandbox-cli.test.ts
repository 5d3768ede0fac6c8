import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { waitForOutput } from '../helpers/http.js';

beforeAll(() => assertBuilt());

async function connect(args: string[], env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args],
    env: childEnv(env),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d) => {
    stderr += d;
  });
  const client = new Client({ name: 'sandbox-cli', version: '1.0.0' });
  const errors: Error[] = [];
  client.onerror = (e) => errors.push(e);
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (r: CallToolResult) => (r.content[0]?.type === 'text' ? r.content[0].text : '');
  return { client, call, text, errors, stderr: () => stderr };
}

describe('--sandbox, as a new user tries it with no key', () => {
  test('create for emp-1001, see it, complete it, see it completed; every summary says sandbox', async () => {
    const s = await connect(['--sandbox'], { STACKONE_API_KEY: 'sk_real_key_must_not_matter' });
    try {
      expect(s.client.getInstructions()).toMatch(/SANDBOX MODE/);
      // The people and courses are found with the lookups, not listed in the instructions.
      expect(s.client.getInstructions()).toMatch(/get `id` .* from find_users/i);
      expect(s.client.getInstructions()).not.toMatch(/emp-1001/);
      const created = await s.call('create_user_assignment', {
        id: 'emp-1001',
        learning_object_external_reference: 'leadership-foundations',
        due_date: '2026-12-31T17:00:00Z',
      });
      expect(created.isError).toBeFalsy();
      const id = (created.structuredContent as { data: { id: string } }).data.id;
      const listed = await s.call('list_user_assignments', { id: 'emp-1001' });
      expect((listed.structuredContent as { data: Array<{ id: string }> }).data.map((a) => a.id)).toContain(id);
      const completed = await s.call('create_user_completion', {
        id: 'emp-1001',
        learning_object_external_reference: 'leadership-foundations',
        result: { value: 'Pass' },
      });
      expect(completed.isError).toBeFalsy();
      const done = await s.call('list_user_assignments', { id: 'emp-1001', filter: { status: 'completed' } });
      const record = (done.structuredContent as { data: Array<{ id: string; status: { value: string } }> }).data.find(
        (a) => a.id === id,
      );
      expect(record?.status.value).toBe('completed');
      for (const r of [created, listed, completed, done])
        expect(s.text(r)).toMatch(/^\[sandbox: demo data, not your LMS\] /);
      const missing = await s.call('list_user_assignments', { id: 'nobody' });
      expect(s.text(missing)).toMatch(/^\[sandbox: demo data, not your LMS\] StackOne answered HTTP 404/);
      expect(s.errors).toEqual([]);
      expect(s.stderr()).not.toContain('sk_real_key_must_not_matter');
    } finally {
      await s.client.close();
    }
  });

  test('STACKONE_SANDBOX=1 works too, and STACKONE_SANDBOX_FAULTS rehearses a hang', async () => {
    const s = await connect([], { STACKONE_SANDBOX: '1', STACKONE_SANDBOX_FAULTS: 'hang', STACKONE_TIMEOUT_MS: '500' });
    try {
      const hung = await s.call('list_user_assignments', { id: 'emp-1001' });
      expect(s.text(hung)).toMatch(/Timed out/);
      const fine = await s.call('list_user_assignments', { id: 'emp-1001' });
      expect(fine.isError).toBeFalsy();
    } finally {
      await s.client.close();
    }
  });

  test("over HTTP the start-up log shows one URL: the server's, not the emulator's behind it", async () => {
    const child = spawn(process.execPath, [BIN, '--sandbox', '--transport', 'http', '--port', '0'], {
      env: childEnv({}),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    try {
      const stderr = await waitForOutput(child.stderr, /"listening".*\n/);
      expect(stderr).toMatch(/sandbox mode/);
      const urls = stderr.match(/https?:\/\/[^"\s]+/g) ?? [];
      const listening = JSON.parse(stderr.split('\n').find((l) => l.includes('"listening"')) ?? '{}');
      expect(urls).toEqual([listening.url]);
      expect(listening.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  test('fault injection is refused outside sandbox mode', async () => {
    const child = spawn(process.execPath, [BIN], { env: childEnv({ STACKONE_SANDBOX_FAULTS: '503' }), stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(stderr).toMatch(/STACKONE_SANDBOX_FAULTS only works with --sandbox/);
  });
});

describe('npm run demo', () => {
  test('plays the agent session and exits 0', async () => {
    const script = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));
    const child = spawn(process.execPath, [script], { env: childEnv({ NO_COLOR: '1' }), stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code, out).toBe(0);
    expect(out).toMatch(/list_user_assignments \{"id":"emp-1001","filter":\{"status":"pending"\}\}/);
    expect(out).toMatch(/create_user_assignment \{"id":"emp-1001"/);
    expect(out).toMatch(/Created assignment \(id asg_\d+/);
    expect(out).toMatch(/Recorded completion \(id cmp_\d+/);
    expect(out).toMatch(/sec-awareness-2026 "Security Awareness 2026": completed \d{4}-\d{2}-\d{2}, result Pass/);
    expect(out).toMatch(/Demo finished: every call succeeded\./);
  });
});
