import { describe, expect, test } from 'vitest';
import { batchedWriter } from '../../src/log.js';
import { fastRequest, rpcResponse } from '../../src/server.js';

describe('the fast path’s pure parts', () => {
  test('rpcResponse is the plain JSON-RPC response for results it has no cached text for', () => {
    const result = {
      content: [{ type: 'text' as const, text: 'hi "there"' }],
      structuredContent: { a: [1, { b: null }] },
    };
    expect(JSON.parse(rpcResponse(7, result))).toEqual({ jsonrpc: '2.0', id: 7, result });
    expect(JSON.parse(rpcResponse('x', { tools: [] }))).toEqual({ jsonrpc: '2.0', id: 'x', result: { tools: [] } });
  });

  test('fastRequest takes only well-formed tools/call and tools/list requests; the SDK gets the rest', () => {
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 't', arguments: {} } };
    expect(fastRequest(call)).toEqual({ id: 1, method: 'tools/call', params: call.params });
    expect(fastRequest({ jsonrpc: '2.0', id: 'a', method: 'tools/list' })).toMatchObject({ id: 'a' });
    for (const other of [
      { ...call, jsonrpc: '1.0' },
      { ...call, id: undefined },
      { ...call, id: 1.5 },
      { ...call, id: null },
      { ...call, params: [] },
      { ...call, params: { arguments: {} } },
      { ...call, params: { name: 't', _meta: 'x' } },
      { ...call, params: { name: 't', _meta: { progressToken: {} } } },
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} },
      { jsonrpc: '2.0', method: 'tools/call', params: { name: 't' } },
      [call],
      null,
      'tools/call',
    ]) {
      expect(fastRequest(other)).toBeUndefined();
    }
  });

  test('batchedWriter writes the lines of one turn together, in order', async () => {
    const chunks: string[] = [];
    const write = batchedWriter((chunk) => chunks.push(chunk));
    write('a\n');
    write('b\n');
    expect(chunks).toEqual([]);
    await new Promise((r) => setImmediate(r));
    write('c\n');
    await new Promise((r) => setImmediate(r));
    expect(chunks).toEqual(['a\nb\n', 'c\n']);
  });
});
