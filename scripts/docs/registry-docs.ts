/**
 * The documents that describe the tools, made from the registry and nothing else: the README's tool summary and
 * tool table, manifest.json's tools and long description, and server.json's STACKONE_READ_ONLY description.
 * tests/unit/docs.test.ts fails when a committed file differs from what this makes; `npm run docs` rewrites them.
 */
import type { Tool } from '../../src/tools/define-tool.js';

/** What a document needs of a tool: the registry's own fields. */
export type DocTool = Pick<Tool, 'name' | 'title' | 'description' | 'access' | 'annotations' | 'endpoints' | 'example'>;

const NUMBERS = [
  'no',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
];

/** "Seven", for prose; figures past twelve. */
export function countWord(n: number, capital = false): string {
  const word = NUMBERS[n] ?? String(n);
  return capital ? word.charAt(0).toUpperCase() + word.slice(1) : word;
}

/** The first sentence of a description: what the tool does, without the when and the next. */
export function firstSentence(description: string): string {
  const line = description.split('\n')[0] ?? '';
  const end = /\.(\s|$)/.exec(line);
  return end ? line.slice(0, end.index + 1) : line;
}

/** How the annotations read to a person. */
export function accessText(tool: DocTool): string {
  if (tool.access === 'read') return 'read';
  const { idempotentHint, destructiveHint } = tool.annotations;
  return `write (${idempotentHint ? 'idempotent' : 'not idempotent'}, ${destructiveHint ? 'destructive' : 'not destructive'}; audited)`;
}

const names = (tools: readonly DocTool[]) => tools.map((t) => `\`${t.name}\``).join(', ');
const reads = (tools: readonly DocTool[]) => tools.filter((t) => t.access === 'read');
const writes = (tools: readonly DocTool[]) => tools.filter((t) => t.access === 'write');

/** The README's bullet under the title: how many tools, and which. */
export function toolSummary(tools: readonly DocTool[]): string {
  return [
    `- **${countWord(tools.length, true)} tools**: ${countWord(reads(tools).length)} that read (${names(reads(tools))})`,
    `  and ${countWord(writes(tools).length)} that write (${names(writes(tools))}), with input schemas that mirror`,
    "  StackOne's DTOs field for field.",
  ].join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The README's tool table, in registry order (the order tools/list shows them). */
export function toolTable(tools: readonly DocTool[]): string {
  const rows = tools.map(
    (t) =>
      `| \`${t.name}\` | ${cell(firstSentence(t.description))} | ${cell(t.endpoints.map((e) => `\`${e}\``).join(', '))} | ${accessText(t)} | \`${cell(JSON.stringify(t.example))}\` |`,
  );
  return [
    `${countWord(tools.length, true)} tools, in the order \`tools/list\` shows them. Reads need the OAuth read scope and stay under \`--read-only\`; writes need the write scope and each attempt is [audited](#audit-trail). The examples work on the [sandbox](#the-sandbox).`,
    '',
    '| Tool | What it does | StackOne endpoints | Access | Example arguments (sandbox) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Replaces what stands between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; both must exist once. */
export function replaceBlock(text: string, name: string, content: string): string {
  const open = `<!-- generated:${name} (npm run docs) -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start === -1 || end === -1 || end < start || text.indexOf(open, start + 1) !== -1) {
    throw new Error(`expected one "${open}" ... "${close}" block`);
  }
  return `${text.slice(0, start + open.length)}\n${content}\n${text.slice(end)}`;
}

export function readme(text: string, tools: readonly DocTool[]): string {
  return replaceBlock(replaceBlock(text, 'tool-summary', toolSummary(tools)), 'tool-table', toolTable(tools));
}

type Json = Record<string, unknown>;

/** manifest.json (MCPB): its tools list and the long description's count. */
export function manifest(json: Json, tools: readonly DocTool[]): Json {
  return {
    ...json,
    long_description: `${countWord(tools.length, true)} tools for AI agents over StackOne's Unified LMS API: ${names(reads(tools)).replace(/`/g, '')} read; ${names(writes(tools)).replace(/`/g, '')} write. Inputs mirror StackOne's request DTOs; writes are never blindly retried; the API key never appears in results or logs.`,
    tools: tools.map((t) => ({ name: t.name, description: firstSentence(t.description) })),
  };
}

/** server.json (the MCP registry): the --read-only variable names the tools it keeps. */
export function serverJson(json: Json, tools: readonly DocTool[]): Json {
  const packages = (json.packages as Json[]).map((p) => ({
    ...p,
    environmentVariables: (p.environmentVariables as Json[]).map((v) =>
      v.name === 'STACKONE_READ_ONLY'
        ? { ...v, description: `1 to register only the tools that read: ${names(reads(tools)).replace(/`/g, '')}.` }
        : v,
    ),
  }));
  return { ...json, packages };
}
