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
    console.log(dim('An agent helps Dana Whitaker (emp-1001) with her training.\n'));

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

    await call('What does Dana still have to do? (pending)', 'list_user_assignments', {
      id: 'emp-1001',
      filter: { status: 'pending' },
    });
    await call('…and what is she in the middle of?', 'list_user_assignments', {
      id: 'emp-1001',
      filter: { status: 'in_progress' },
    });
    await call('Assign her First Aid Basics, due in two weeks', 'create_user_assignment', {
      id: 'emp-1001',
      learning_object_external_reference: 'first-aid-basics',
      due_date: daysFromNow(14),
      status: { value: 'pending' },
    });
    await call('She just passed Security Awareness with 92%', 'create_user_completion', {
      id: 'emp-1001',
      learning_object_external_reference: 'sec-awareness-2026',
      result: { value: 'Pass' },
      score: { percentage: 92 },
      completed_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      time_spent: 'PT45M',
    });
    await call('What has she completed?', 'list_user_assignments', {
      id: 'emp-1001',
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
