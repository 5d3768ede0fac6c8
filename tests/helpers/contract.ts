/** The independent OpenAPI contract lives beside the emulator, which checks requests with it; tests use it too. */
export * from '../../src/sandbox/contract.js';
