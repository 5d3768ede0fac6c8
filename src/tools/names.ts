/**
 * The registry's names, as configuration and the scope policy read them: derived from TOOLS, so adding a tool is its
 * file, its test and one line in tools/index.ts. Read-only means the tool's own readOnlyHint annotation.
 */
import { TOOLS } from './index.js';

export type ToolName = string;
export const TOOL_NAMES: readonly ToolName[] = TOOLS.map((tool) => tool.name);
export const READ_ONLY_TOOLS: readonly ToolName[] = TOOLS.filter((tool) => tool.annotations.readOnlyHint).map(
  (tool) => tool.name,
);
