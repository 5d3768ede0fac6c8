// @ts-nocheck: undici ships no type declarations for its lib/ files; this file is only a bundling alias.
// The part of undici the bundled bin uses, for scripts/bundle.mjs: Agent, with the request API that undici's own
// index.js adds to every dispatcher. The index also loads fetch, WebSocket, the cache, mocks, proxies and
// interceptors at start (about 8 MB of memory for code this server never runs). tsc's output and the tests use
// undici itself; the e2e and pack tests run this bundle.
const Dispatcher = require('undici/lib/dispatcher/dispatcher');
const Agent = require('undici/lib/dispatcher/agent');
const api = require('undici/lib/api');

Object.assign(Dispatcher.prototype, api);
module.exports = { Agent };
