import { describe, expect, test } from 'vitest';
import { batchedWriter } from '../../src/log.js';
import { fastRequest, paramsError, paramsErrorResponse, rpcResponse } from '../../src/server.js';

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

describe('paramsError: malformed params get -32602 and what to send, not the SDK’s -32603 issue dump', () => {
  const rpc = (method: string, params?: unknown) => ({ jsonrpc: '2.0', id: 3, method, params });
  test.each([
    [rpc('tools/call'), /tools\/call takes params \{"name"/],
    [rpc('tools/call', {}), /params\.name must be the name of a tool/],
    [rpc('tools/call', []), /tools\/call takes params/],
    [rpc('tools/call', { name: 't', _meta: 1 }), /params\._meta must be an object/],
    [rpc('tools/call', { name: 't', _meta: { progressToken: {} } }), /progressToken must be a string or a number/],
    [rpc('tools/list', []), /tools\/list takes an object/],
    [rpc('logging/setLevel', { level: 'loud' }), /params\.level must be one of debug, info, notice, warning/],
    [rpc('logging/setLevel'), /params\.level must be one of/],
  ])('%j', (message, expected) => {
    const bad = paramsError(message);
    expect(bad?.id).toBe(3);
    expect(bad?.message).toMatch(/^Invalid params: /);
    expect(bad?.message).toMatch(expected);
    expect(JSON.parse(paramsErrorResponse(bad as NonNullable<typeof bad>))).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32602, message: bad?.message },
    });
  });

  test('well-formed requests, notifications and unstructured params are left alone', () => {
    for (const message of [
      rpc('tools/call', { name: 't', arguments: {} }),
      rpc('tools/list'),
      rpc('tools/list', { cursor: 'c' }),
      rpc('logging/setLevel', { level: 'error' }),
      rpc('tools/call', 3),
      rpc('initialize', {}),
      { jsonrpc: '2.0', method: 'tools/call', params: {} },
      { jsonrpc: '2.0', id: null, method: 'tools/call', params: {} },
    ]) {
      expect(paramsError(message)).toBeUndefined();
    }
  });
});
