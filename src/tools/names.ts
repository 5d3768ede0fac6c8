/** The tool names, light enough for config validation at start; the registry test keeps it equal to TOOLS. */
export const TOOL_NAMES = [
  'find_users',
  'find_learning_objects',
  'create_user_assignment',
  'list_user_assignments',
  'create_user_completion',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
export const READ_ONLY_TOOLS: readonly ToolName[] = ['find_users', 'find_learning_objects', 'list_user_assignments'];
