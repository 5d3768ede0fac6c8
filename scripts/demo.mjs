// @ts-check
/**
 * `npm run demo`: spawn the real server in sandbox mode over stdio, connect the SDK's Client, and play a short
 * agent session against the embedded emulator, then print how to add this clone's server to the common clients. A
 * terminal program beside the server (not part of it), so it prints to stdout; plain JS so it needs no build of its
 * own, type-checked through JSDoc. The server's stderr (its log and audit lines) is kept out of the story and shown
 * only when something fails.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const BIN = fileURLToPath(new URL('../dist/index.js', import.meta.url));
/** The name the README and mcp.json give the sandbox entry. */
const SERVER_NAME = 'stackone-lms-sandbox';
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (/** @type {string} */ s) => (color ? `\u001b[1m${s}\u001b[22m` : s);
const dim = (/** @type {string} */ s) => (color ? `\u001b[2m${s}\u001b[22m` : s);
const red = (/** @type {string} */ s) => (color ? `\u001b[31m${s}\u001b[39m` : s);

/** Everything the server wrote to stderr: JSON log and audit lines, for the failure report only. */
let serverLog = '';

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
  // The sandbox as shipped, whatever the person's shell sets (an MCP_TRANSPORT=http would take it off stdio).
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('STACKONE_') && !k.startsWith('MCP_')) env[k] = v;
  }
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, '--sandbox'],
    env,
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk) => {
    serverLog += chunk;
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
      dim(
        "An agent helps a manager with Dana's training, starting from her first name as a chat would, then looks across the company.\n",
      ),
    );

    /**
     * @param {string | undefined} say what the person asked (undefined: a second call for the same question)
     * @param {string} name the tool
     * @param {Record<string, unknown>} args its arguments
     */
    const call = async (say, name, args) => {
      if (say) console.log(bold(`» ${say}`));
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
    // Still to do is everything open: the filter takes one status, so an agent asks for each.
    await call('What does she still have to do?', 'list_user_assignments', {
      id: dana,
      filter: { status: 'in_progress' },
    });
    await call(undefined, 'list_user_assignments', { id: dana, filter: { status: 'pending' } });
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
    // The manager's view across the company: one call each, never a list per person.
    await call('Who is overdue on any training?', 'training_report', { status: 'overdue' });
    await call('How are we doing on security awareness 2026?', 'training_report', {
      learning_object_external_reference: security,
    });
    if (failures > 0) {
      console.log(red(`Demo finished with ${failures} failed call(s).`));
    } else {
      const audited = serverLog.split('\n').filter((line) => line.includes('"msg":"audit"')).length;
      console.log(bold('Demo finished: every call succeeded.'));
      console.log(dim(`The server wrote ${audited} audit lines, one per write, on its stderr (README: Audit trail).`));
      console.log(clientLines());
    }
  } finally {
    await client.close();
  }
  return failures === 0 ? 0 : 1;
}

/** A word as POSIX shells read it: left bare when it is safe, else single-quoted. */
function shellWord(/** @type {string} */ word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Ready-to-paste lines that add this clone's server, in sandbox mode, to each client. The terminal clients start it
 * with the `node` on their PATH, as the person's shell does; Claude Desktop does not read the shell's PATH (nvm and
 * similar installs are not on it), so its entry names this Node by its absolute path.
 */
function clientLines() {
  const args = [BIN, '--sandbox'];
  const vscode = JSON.stringify({ name: SERVER_NAME, command: 'node', args });
  const entry = `{ "command": ${JSON.stringify(process.execPath)}, "args": [${args.map((a) => JSON.stringify(a)).join(', ')}] }`;
  const desktop = `{\n  "mcpServers": {\n    ${JSON.stringify(SERVER_NAME)}: ${entry}\n  }\n}`;
  return [
    '',
    bold('Add this server to your MCP client'),
    dim('(sandbox mode, no key needed; for your LMS drop --sandbox and set STACKONE_API_KEY, see the README)'),
    '',
    bold('Claude Code:'),
    `claude mcp add ${SERVER_NAME} -- node ${args.map(shellWord).join(' ')}`,
    '',
    // Not Claude Code's form: Gemini CLI 0.61 answers `add NAME -- node ...` with "Not enough non-option arguments".
    bold('Gemini CLI:'),
    `gemini mcp add ${SERVER_NAME} node ${args.map(shellWord).join(' ')}`,
    dim('(for the folder you run it in, or every folder with -s user after add; it runs only in a trusted folder)'),
    '',
    bold('VS Code:'),
    `code --add-mcp ${shellWord(vscode)}`,
    '',
    bold('Claude Desktop, in claude_desktop_config.json (Settings > Developer > Edit Config; merge into mcpServers):'),
    desktop,
  ].join('\n');
}

main().then(
  (code) => {
    if (code !== 0) showServerLog();
    process.exit(code);
  },
  (/** @type {unknown} */ error) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    showServerLog();
    process.exit(1);
  },
);

/** On failure, what the server said on stderr is the first thing to read. */
function showServerLog() {
  if (serverLog.trim()) console.error(dim(`\nThe server's stderr:\n${serverLog.trimEnd()}`));
}
