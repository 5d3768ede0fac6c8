import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, BIN, childEnv } from '../helpers/bin.js';
import { waitForOutput } from '../helpers/http.js';

beforeAll(() => assertBuilt());

/**
 * The bin reads the machine's clock (the test cannot give it another), so dates here are made from this process's
 * clock; under CI's year-ahead run both are moved, and the first test checks that they agree.
 */
const DAY = 86_400_000;

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
    const due = new Date(Date.now() + 30 * DAY).toISOString();
    try {
      expect(s.client.getInstructions()).toMatch(/SANDBOX MODE/);
      // The people and courses are found with the lookups, not listed in the instructions.
      expect(s.client.getInstructions()).toMatch(/get `id` .* from find_users/i);
      expect(s.client.getInstructions()).not.toMatch(/emp-1001/);
      const created = await s.call('create_user_assignment', {
        id: 'emp-1001',
        learning_object_external_reference: 'leadership-foundations',
        due_date: due,
      });
      expect(created.isError).toBeFalsy();
      const id = (created.structuredContent as { data: { id: string } }).data.id;
      const listed = await s.call('list_user_assignments', { id: 'emp-1001' });
      const mine = (listed.structuredContent as { data: Array<{ id: string; created_at: string }> }).data.find(
        (a) => a.id === id,
      );
      // The sandbox in the child stamped it by the child's clock: the same as this process's (within a minute).
      expect(Math.abs(Date.parse(mine?.created_at ?? '') - Date.now())).toBeLessThan(60_000);
      // And its summary judged "overdue" by that clock: due in 30 days is not.
      expect(s.text(listed)).toMatch(new RegExp(`^- leadership-foundations: pending, due ${due.slice(0, 10)}$`, 'm'));
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

  test('on a Node older than engines allows, it refuses to start and says which Node it needs', async () => {
    // Node 16 really starts, lists the tools, then hangs the first call (structuredClone is missing): the bin sees
    // this version instead, set before it loads.
    const fake = "data:text/javascript,Object.defineProperty(process.versions,'node',{value:'16.20.2'})";
    const child = spawn(process.execPath, [`--import=${fake}`, BIN, '--sandbox'], { env: childEnv({}), stdio: 'pipe' });
    // A server that did start would stop at the end of its input, so a failure here is quick.
    child.stdin.end();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(stderr).toBe(
      `stackone-lms-mcp: needs Node.js 20.18 or newer (22 or 24 recommended); this is Node 16.20.2 (${process.execPath}). Install a newer Node, or give your MCP client's "command" the full path of one.\n`,
    );
    expect(stdout).toBe('');
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
  test('plays the agent session with nothing but its story on screen, and ends with lines that add this server', async () => {
    const script = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));
    // A shell that sets the server's variables must not change what the demo shows.
    const env = childEnv({ NO_COLOR: '1', MCP_TRANSPORT: 'http', STACKONE_LOG_LEVEL: 'debug' });
    const child = spawn(process.execPath, [script], { env, stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise((r) => child.on('exit', r));
    expect(code, `${out}${err}`).toBe(0);
    // The server's log and audit lines stay out of the terminal when every call succeeds.
    expect(err).toBe('');
    expect(out).not.toMatch(/"level":|"msg":/);
    expect(out).toMatch(/The server wrote 2 audit lines, one per write/);

    // Everything still open: the in-progress course as well as the pending ones.
    const open = out.slice(out.indexOf('» What does she still have to do?'), out.indexOf('» Is there a first aid'));
    expect(open).toMatch(/list_user_assignments \{"id":"emp-1001","filter":\{"status":"in_progress"\}\}/);
    expect(open).toMatch(/sec-awareness-2026 "Security Awareness 2026": in_progress, 40%/);
    expect(open).toMatch(/list_user_assignments \{"id":"emp-1001","filter":\{"status":"pending"\}\}/);
    expect(open).toMatch(/gdpr-essentials: pending, due \d{4}-\d{2}-\d{2} \(overdue\)/);
    expect(out).toMatch(/create_user_assignment \{"id":"emp-1001"/);
    expect(out).toMatch(/Created assignment \(id asg_\d+/);
    expect(out).toMatch(/Recorded completion \(id cmp_\d+/);
    expect(out).toMatch(/sec-awareness-2026 "Security Awareness 2026": completed \d{4}-\d{2}-\d{2}, result Pass/);
    // It ends with the company's view: who is overdue, most overdue first, and one course's compliance, in one call each.
    const overdue = out.slice(out.indexOf('» Who is overdue on any training?'), out.indexOf('» How are we doing'));
    expect(overdue).toMatch(/training_report \{"status":"overdue"\}/);
    expect(overdue).toMatch(/Open 56, of which 15 overdue\./);
    const days = [...overdue.matchAll(/, (\d+) days? overdue\n/g)].map((m) => Number(m[1]));
    expect(days.length).toBeGreaterThan(5);
    expect(days).toEqual([...days].sort((a, b) => b - a));
    expect(overdue).toMatch(
      /- Kwame Mensah \(emp-1010\): "Welcome to the Company" onboarding-101, pending, due \d{4}-\d{2}-\d{2}, 2[12] days overdue/,
    );
    expect(overdue).toMatch(
      /- Dana Whitaker \(emp-1001\): "GDPR Essentials" gdpr-essentials, pending, due [\d-]+, 1[01] days overdue/,
    );
    const course = out.slice(
      out.indexOf('» How are we doing on security awareness 2026?'),
      out.indexOf('Demo finished'),
    );
    expect(course).toMatch(/training_report \{"learning_object_external_reference":"sec-awareness-2026"\}/);
    // Dana's completion, recorded a few calls earlier, is in it.
    expect(course).toMatch(
      /Completed 4, open 4 \(1 overdue\), not assigned 5 \(active people\)\. Completion rate 50% \(4 of the 8 who have it\)\./,
    );
    expect(course).toMatch(/- Dana Whitaker \(emp-1001\): completed \d{4}-\d{2}-\d{2}, Pass/);
    expect(course).toMatch(/- Ravi Iyer \(emp-1008\): completed \d{4}-\d{2}-\d{2}, Fail/);
    expect(course).toMatch(/- Inês Duarte \(emp-1011\): not assigned/);
    expect(out).toMatch(/Demo finished: every call succeeded\./);

    // Ready-to-paste lines with this clone's absolute path (shell-quoted only where the path needs it).
    const word = /^[\w@%+=:,./-]+$/.test(BIN) ? BIN : `'${BIN.replaceAll("'", "'\\''")}'`;
    const lines = out.split('\n');
    expect(lines).toContain(`claude mcp add stackone-lms-sandbox -- node ${word} --sandbox`);
    // Gemini CLI takes no `--` before the command.
    expect(lines).toContain(`gemini mcp add stackone-lms-sandbox node ${word} --sandbox`);
    const vscode = lines.find((l) => l.startsWith('code --add-mcp '))?.slice('code --add-mcp '.length);
    expect(vscode).toMatch(/^'.*'$/);
    expect(JSON.parse((vscode ?? '').slice(1, -1).replaceAll("'\\''", "'"))).toEqual({
      name: 'stackone-lms-sandbox',
      command: 'node',
      args: [BIN, '--sandbox'],
    });
    // Claude Desktop's block is the end of the output, and the entry in it really starts the sandbox.
    const desktop = JSON.parse(out.slice(out.lastIndexOf('\n{\n'))) as {
      mcpServers: Record<string, { command: string; args: string[] }>;
    };
    const entry = desktop.mcpServers['stackone-lms-sandbox'];
    expect(entry).toEqual({ command: process.execPath, args: [BIN, '--sandbox'] });
    const transport = new StdioClientTransport({
      ...(entry as { command: string; args: string[] }),
      env: childEnv({}),
      stderr: 'pipe',
    });
    const client = new Client({ name: 'claude-desktop-entry', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getInstructions()).toMatch(/SANDBOX MODE/);
      const found = (await client.callTool({ name: 'find_users', arguments: { query: 'Dana' } })) as CallToolResult;
      expect(found.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});
