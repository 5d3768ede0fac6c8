/**
 * The package's name and version, for the user-agent and serverInfo, and the oldest Node it runs on. A unit test
 * keeps them equal to package.json.
 */
export const NAME = 'stackone-lms-mcp';
export const VERSION = '0.1.0';

/** The oldest Node the engines field allows (the lines CI tests start at 20.18). */
export const MIN_NODE = '20.18.0';

/**
 * Why this Node cannot run the server, or undefined when it can. Measured: on Node 16 the server starts and lists
 * its tools, then a call hangs on a missing global (structuredClone) until the client gives up; a refusal at start
 * names the fix instead.
 */
export function unsupportedNode(version: string, execPath: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = MIN_NODE.split('.').map(Number);
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return undefined;
  return `needs Node.js ${MIN_NODE.replace(/\.0$/, '')} or newer (22 or 24 recommended); this is Node ${version} (${execPath}). Install a newer Node, or give your MCP client's "command" the full path of one.`;
}
