/** The package's name and version, for the user-agent and serverInfo. A unit test keeps it equal to package.json. */
export const NAME = 'stackone-lms-mcp';
export const VERSION = '0.1.0';
