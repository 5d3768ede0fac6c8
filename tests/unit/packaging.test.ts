/**
 * The install surfaces agree with each other and with the CLI: package.json, server.json, manifest.json, mcp.json
 * and the README's snippets name only flags and variables the server really takes.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ENV_ONLY, loadConfig, OPTIONS } from '../../src/config.js';
import { TOOLS } from '../../src/tools/index.js';
import { VERSION } from '../../src/version.js';
import { assertBuilt, BIN } from '../helpers/bin.js';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const json = (file: string) => JSON.parse(read(file));
const pkg = json('package.json');
const serverJson = json('server.json');
const manifest = json('manifest.json');
const mcp = json('mcp.json');
const readme = read('README.md');

const FLAGS = new Set<string>([...OPTIONS.map((o) => o.flag), '--help', '--version', '-h', '-v']);
const ENVS = new Set<string>([...OPTIONS.map((o) => o.env), ...ENV_ONLY]);

describe('packaging metadata', () => {
  test('names and versions agree', () => {
    expect(pkg.mcpName).toBe(serverJson.name);
    expect(serverJson.version).toBe(pkg.version);
    expect(manifest.version).toBe(pkg.version);
    expect(VERSION).toBe(pkg.version);
    for (const p of serverJson.packages) {
      expect(p.identifier).toBe(pkg.name);
      expect(p.version).toBe(pkg.version);
    }
  });

  test('engines names exactly the Node lines CI runs the tests on, and the MCPB manifest agrees', () => {
    // The machine's own Node (20) runs npm test; scripts/ci/other-nodes.sh runs the suite on the others.
    const script = read('scripts/ci/other-nodes.sh');
    const tested = /versions=\(([^)]*)\)/.exec(script.split('\n').find((l) => l.includes('|| versions=(')) ?? '')?.[1];
    const majors = [
      '20',
      ...(tested ?? '')
        .trim()
        .split(/\s+/)
        .map((v) => v.split('.')[0]),
    ];
    expect(majors).toEqual(['20', '22', '24']);
    expect(pkg.engines.node).toBe('^20.18.0 || ^22.12.0 || ^24.0.0');
    expect(manifest.compatibility.runtimes.node).toBe(pkg.engines.node);
  });

  test('the bin is what the bundle builds and what the package ships', () => {
    expect(pkg.bin).toEqual({ 'stackone-lms-mcp': 'dist/index.js' });
    expect(pkg.files).toContain('dist/index.js');
    expect(manifest.server.entry_point).toBe('dist/index.js');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${__dirname} is MCPB's placeholder, not ours
    expect(manifest.server.mcp_config.args).toEqual(['${__dirname}/dist/index.js']);
  });

  test('the Redis client is in a chunk the bin loads only when MCP_CACHE_URL is set, never at start', () => {
    assertBuilt();
    const dist = dirname(BIN);
    const text = (file: string) => readFileSync(join(dist, file), 'utf8');
    // What starts with the bin: its entry and every chunk it imports statically, transitively.
    const loaded = new Set<string>();
    const visit = (file: string) => {
      if (loaded.has(file)) return;
      loaded.add(file);
      const code = text(file);
      for (const m of code.matchAll(/(?:from|import)\s*"\.{1,2}\/(?:chunks\/)?([\w-]+\.js)"/g)) {
        visit(`chunks/${m[1]}`);
      }
    };
    visit('index.js');
    // A message of the client library's own (ClientOfflineError), which minifying keeps.
    const marker = 'The client is offline';
    expect([...loaded].filter((file) => text(file).includes(marker))).toEqual([]);
    const lazy = /import\("\.\/chunks\/(cache-[\w-]+\.js)"\)/.exec(text('index.js'))?.[1];
    expect(lazy).toBeDefined();
    expect(text(`chunks/${lazy}`)).toContain(marker);
  });

  test('server.json and manifest.json name only variables the server reads', () => {
    for (const p of serverJson.packages) {
      for (const v of p.environmentVariables) expect(ENVS.has(v.name), v.name).toBe(true);
    }
    expect(
      serverJson.packages[0].environmentVariables.find((v: { name: string }) => v.name === 'STACKONE_API_KEY'),
    ).toMatchObject({
      isSecret: true,
    });
    for (const name of Object.keys(manifest.server.mcp_config.env)) expect(ENVS.has(name), name).toBe(true);
    expect(manifest.user_config.api_key).toMatchObject({ type: 'string', sensitive: true, required: true });
    expect(manifest.user_config.account_id).toMatchObject({ type: 'string' });
    expect(serverJson.remotes[0].type).toBe('streamable-http');
  });

  test('mcp.json entries use only real flags and variables, and their arguments parse', () => {
    for (const entry of Object.values(mcp.mcpServers) as Array<{ command: string; args: string[]; env?: object }>) {
      const flags = entry.args.filter((a) => a.startsWith('-') && a !== '-y');
      for (const flag of flags) expect(FLAGS.has(flag.split('=')[0] as string), flag).toBe(true);
      for (const name of Object.keys(entry.env ?? {})) expect(ENVS.has(name), name).toBe(true);
      const cliArgs = entry.args.slice(entry.args.indexOf('stackone-lms-mcp') + 1);
      expect(loadConfig(cliArgs, {}, TOOLS).kind).toBe('serve');
    }
  });

  test('README snippets and tables name only real flags and variables', () => {
    // Flags on lines that run this server (snippets) or document it (tables): other tools' flags are not ours.
    const ours = readme
      .split('\n')
      .filter((line) => /stackone-lms-mcp(?![\w/.-])|dist\/index\.js|^\| `/.test(line))
      .map((line) => line.replace(/claude mcp add( --transport http)?|code --add-mcp|--header "[^"]*"/g, ''));
    const flags = new Set(ours.join('\n').match(/(?<![\w-])--[a-z][a-z-]+/g) ?? []);
    expect(flags.size).toBeGreaterThan(5);
    for (const flag of flags) expect(FLAGS.has(flag), `README mentions ${flag}`).toBe(true);
    const vars = new Set(readme.match(/\b(?:STACKONE|MCP)_[A-Z_]+\b/g) ?? []);
    for (const name of vars) expect(ENVS.has(name), `README mentions ${name}`).toBe(true);
    // Every option is documented.
    for (const o of OPTIONS) {
      expect(readme, o.flag).toContain(o.flag);
      expect(readme, o.env).toContain(o.env);
    }
  });
});
