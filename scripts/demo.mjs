// @ts-check
/**
 * `npm run demo`: spawn the real server in sandbox mode over stdio, connect the SDK's Client, and play a short
 * agent session against the embedded emulator. A terminal program beside the server (not part of it), so it
 * prints to stdout; plain JS so it needs no build of its own, type-checked through JSDoc.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const BIN = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (/** @type {string} */ s) => (color ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (/** @type {string} */ s) => (color ? `\u001b[2m${s}\u001b[22m` : s);
const red = (/** @type {string} */ s) => (color ? `\u001b[31m${s}\u001b[39m` : s);

/** @param {number} days */
function daysFromNow(days) {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(17, 0, 0, 0);
  return d.toISOString();
}

/** @returns {Promise<number>} */
async function main() {
  /** @type {Record<string, string>} */
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('STACKONE_')) env[k] = v;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--sandbox'],
    env: { ...env, STACKONE_LOG_LEVEL: 'warn' },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'stackone-lms-mcp-demo', version: '1.0.0' });
  await client.connect(transport);
  let failures = 0;
  try {
    const info = client.getServerVersion();
    const { tools } = await client.listTools();
    console.log(bold(`${info?.name} ${info?.version}: sandbox demo`));
    console.log(dim(`tools: ${tools.map((t) => t.name).join(', ')}`));
    console.log(
      dim("An agent helps a manager with Dana's training; it starts from her first name, as a chat would.\n"),
    );

    /**
     * @param {string} say what the person asked
     * @param {string} name the tool
     * @param {Record<string, unknown>} args its arguments
     */
    const call = async (say, name, args) => {
      console.log(bold(`» ${say}`));
      console.log(dim(`  ${name} ${JSON.stringify(args)}`));
      const result = /** @type {import('@modelcontextprotocol/sdk/types.js').CallToolResult} */ (
        await client.callTool({ name, arguments: args })
      );
      const first = result.content[0];
      const text = first?.type === 'text' ? first.text : '(no text)';
      if (result.isError) failures++;
      console.log(`${text.replace(/^/gm, '  ').replace(/^ {2}/, result.isError ? red('  ✗ ') : '  ')}\n`);
      return result;
    };
    /**
     * The first match's field from a lookup's structuredContent, as an agent would read it.
     * @param {import('@modelcontextprotocol/sdk/types.js').CallToolResult} result
     * @param {string} field
     */
    const firstMatch = (result, field) => {
      const structured = /** @type {{ matches?: Array<Record<string, unknown>> } | undefined} */ (
        result.structuredContent
      );
      const value = structured?.matches?.[0]?.[field];
      if (typeof value !== 'string') throw new Error(`the lookup found no ${field}`);
      return value;
    };

    const dana = firstMatch(await call('Who is Dana?', 'find_users', { query: 'Dana' }), 'id');
    await call('What does she still have to do? (pending)', 'list_user_assignments', {
      id: dana,
      filter: { status: 'pending' },
    });
    const firstAid = firstMatch(
      await call('Is there a first aid course?', 'find_learning_objects', { query: 'first aid', type: 'course' }),
      'external_reference',
    );
    await call('Assign it to her, due in two weeks', 'create_user_assignment', {
      id: dana,
      learning_object_external_reference: firstAid,
      due_date: daysFromNow(14),
      status: { value: 'pending' },
      if_not_exists: true,
    });
    const security = firstMatch(
      await call('She just passed security awareness 2026 with 92%: which course is that?', 'find_learning_objects', {
        query: 'security awareness 2026',
      }),
      'external_reference',
    );
    await call('Record it', 'create_user_completion', {
      id: dana,
      learning_object_external_reference: security,
      result: { value: 'Pass' },
      score: { percentage: 92 },
      completed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      time_spent: 'PT45M',
    });
    await call('What has she completed?', 'list_user_assignments', {
      id: dana,
      filter: { status: 'completed' },
    });
    console.log(
      failures === 0
        ? bold('Demo finished: every call succeeded.')
        : red(`Demo finished with ${failures} failed call(s).`),
    );
  } finally {
    await client.close();
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (/** @type {unknown} */ error) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
