// @ts-check
// Reads one answer of the MCP Inspector CLI (--format json) on stdin and checks it for smoke.sh:
//   check.mjs list <label> <exit status> <baseline file>  the tools/list answer: tools there, and the Inspector's own
//       schema portability findings (--strict puts them in the answer) no more than the committed baseline;
//   check.mjs names                                       the listed tool names, one a line, in the server's order;
//   check.mjs args <tool> <user id>                       arguments for a tool smoke.sh has no call for: `id` is the
//       sandbox user, every other required field its schema's first example (reads the tools/list answer);
//   check.mjs call <label> <exit status> [regex]          a sandbox answer, not an error, with structuredContent, its
//       summary matching the regex;
//   check.mjs apps <label> <exit status>                  `tools/list --app-info` (one JSON line per tool): the MCP
//       Apps view linked from list_user_assignments and from no write, read back as text/html;profile=mcp-app with
//       no domain in its CSP.
import { readFileSync } from 'node:fs';

/**
 * @typedef {{ severity: string, rule: string, schema: string, path: string }} Finding
 * @typedef {{ name: string, inputSchema?: { required?: string[], properties?: Record<string, { examples?: unknown[] }> } }} Tool
 * @typedef {{ result?: { tools?: Tool[], isError?: boolean, content?: Array<{ text?: string }>, structuredContent?: unknown },
 *   schemaFindings?: Array<{ toolName: string, findings: Finding[] }> }} Answer
 */

const [command, ...args] = process.argv.slice(2);
const text = readFileSync(0, 'utf8');
/** @type {(why: string, shown?: string) => never} */
const fail = (why, shown = text.slice(0, 2000)) => {
  console.error(`${why}\n${shown}`);
  process.exit(1);
};
if (command === 'apps') {
  const [label, status] = args;
  if (status !== '0') fail(`${label} tools/list --app-info: the Inspector exited ${status}`);
  /** @type {Array<{ hasApp: boolean, toolName: string, resourceMimeType?: string, csp?: Record<string, string[]> }>} */
  const lines = text
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
  const apps = lines.filter((l) => l.hasApp);
  if (!apps.some((l) => l.toolName === 'list_user_assignments')) fail(`${label}: list_user_assignments has no app`);
  for (const app of apps) {
    if (app.toolName.startsWith('create_')) fail(`${label}: the write ${app.toolName} links the view`);
    if (app.resourceMimeType !== 'text/html;profile=mcp-app')
      fail(`${label}: ${app.toolName}'s view is not an MCP App`);
    if (Object.values(app.csp ?? {}).some((domains) => domains.length > 0)) fail(`${label}: the view declares domains`);
  }
  console.log(
    `  ok  ${label} MCP Apps: ${apps.map((l) => l.toolName).join(', ')} ${apps.length === 1 ? 'shows' : 'show'} the view`,
  );
  process.exit(0);
}

/** @type {Answer} */
let answer = {};
try {
  answer = JSON.parse(text);
} catch {
  fail(`${args[0] ?? command}: the Inspector did not answer JSON`);
}
const tools = answer.result?.tools ?? [];

if (command === 'list') {
  const [label, status, baselineFile = ''] = args;
  // --strict exits 6 when a finding is error-severity; the count below says whether that is new.
  if (status !== '0' && status !== '6') fail(`${label} tools/list: the Inspector exited ${status}`);
  if (tools.length === 0) fail(`${label} tools/list: no tools`);
  const findings = (answer.schemaFindings ?? []).flatMap((t) => t.findings.map((f) => ({ tool: t.toolName, ...f })));
  const baseline = Number(readFileSync(baselineFile, 'utf8').replace(/#.*$/gm, '').trim());
  if (!Number.isInteger(baseline)) fail(`${baselineFile} holds no whole number`);
  const summary = `${findings.length} schema portability finding${findings.length === 1 ? '' : 's'} (baseline ${baseline})`;
  if (findings.length > baseline) {
    for (const f of findings) console.error(`  ${f.severity} ${f.rule}: ${f.tool} ${f.schema}.${f.path}`);
    fail(
      `${label} tools/list: ${summary}: a schema change made tools less portable (the Inspector's details below)`,
      '',
    );
  }
  console.log(`  ok  ${label} tools/list: ${tools.length} tools, ${summary}`);
  if (findings.length < baseline)
    console.log(`      fewer than the baseline: lower ${baselineFile} to ${findings.length}`);
} else if (command === 'names') {
  for (const tool of tools) console.log(tool.name);
} else if (command === 'args') {
  const [name, user] = args;
  const schema = tools.find((t) => t.name === name)?.inputSchema ?? {};
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const field of schema.required ?? []) {
    const example = schema.properties?.[field]?.examples?.[0];
    if (field === 'id') out.id = user;
    else if (example !== undefined) out[field] = example;
    else fail(`${name}: smoke.sh has no call for it, and its required field ${field} has no example: add either`, '');
  }
  console.log(JSON.stringify(out));
} else if (command === 'call') {
  const [label, status, expect = ''] = args;
  const result = answer.result ?? {};
  if (status !== '0' || result.isError) fail(`${label}: the call answered an error (exit ${status})`);
  const summary = result.content?.[0]?.text ?? '';
  if (!summary.startsWith('[sandbox: demo data, not your LMS] ')) fail(`${label}: no sandbox summary first`);
  if (!new RegExp(expect).test(summary)) fail(`${label}: the summary does not match /${expect}/`);
  if (typeof result.structuredContent !== 'object') fail(`${label}: no structuredContent`);
  console.log(`  ok  ${label}`);
} else {
  fail(`unknown command ${command}`);
}
