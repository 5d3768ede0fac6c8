import { describe, expect, test } from 'vitest';
import { hostAllowed, originAllowed } from '../../src/transports/guards.js';

describe('Host and Origin checks', () => {
  test('loopback names are allowed on any port; others only when listed', () => {
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:1', '[::1]:3000', 'LOCALHOST']) {
      expect(hostAllowed(host, [])).toBe(true);
    }
    // Malformed Host headers are refused too: a port that is not a number, or anything after it.
    for (const host of [
      'evil.com',
      'localhost.evil.com',
      '127.0.0.1.nip.io',
      '',
      undefined,
      'localhost:abc',
      'localhost:1@evil.com',
      '[::1]x',
      'localhost:3000/x',
    ]) {
      expect(hostAllowed(host, [])).toBe(false);
    }
    expect(hostAllowed('mcp.example.com:8443', ['mcp.example.com'])).toBe(true);
    expect(hostAllowed('mcp.example.com:8443', ['mcp.example.com:443'])).toBe(false);
    expect(hostAllowed('mcp.example.com:443', ['mcp.example.com:443'])).toBe(true);
  });

  test('origins: loopback http(s) allowed, listed ones allowed exactly, null and junk refused', () => {
    expect(originAllowed('http://localhost:5173', [])).toBe(true);
    expect(originAllowed('https://127.0.0.1', [])).toBe(true);
    expect(originAllowed('https://app.example.com', ['https://app.example.com'])).toBe(true);
    expect(originAllowed('https://app.example.com:444', ['https://app.example.com'])).toBe(false);
    expect(originAllowed('http://app.example.com', ['https://app.example.com'])).toBe(false);
    expect(originAllowed('null', [])).toBe(false);
    expect(originAllowed('not a url', [])).toBe(false);
  });
});
