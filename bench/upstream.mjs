// @ts-check
/**
 * The bench upstream: a minimal node:http server that answers every LMS call with a fixed body, so what is measured
 * is the cost of the thing in front of it. The bodies are real emulator answers, made once at start: a 25-assignment
 * page (with a next cursor) for GET .../assignments and a CreateResult for each POST. Other GETs (the course and
 * content directories a server reads for titles, cached per tenant) are the emulator's live answers, so a server
 * that reads them pays one walk per cache lifetime, as against StackOne, not a walk per call of pages that are
 * not what it asked for. Prints "PORT <n>" when ready.
 */
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { Emulator } = await import(`${ROOT}dist/sandbox/emulator.js`);
const { SANDBOX_API_KEY } = await import(`${ROOT}dist/sandbox/seed.js`);
const { systemClock } = await import(`${ROOT}dist/clock.js`);

const emulator = new Emulator({ now: systemClock });
const headers = {
  authorization: `Basic ${Buffer.from(`${SANDBOX_API_KEY}:`).toString('base64')}`,
  'x-account-id': 'acme-lms',
  'content-type': 'application/json',
};
/** @param {string} method @param {string} url @param {unknown} [body] */
function answer(method, url, body) {
  const response = emulator.handle({ method, url, headers, body: body === undefined ? '' : JSON.stringify(body) });
  if (response.status >= 400) throw new Error(`emulator refused ${method} ${url}: ${response.body}`);
  return { status: response.status, body: Buffer.from(response.body) };
}
/** @param {string} url */
function live(url) {
  const response = emulator.handle({ method: 'GET', url, headers, body: '' });
  return { status: response.status, body: Buffer.from(response.body) };
}
const LIST = answer('GET', '/unified/lms/users/emp-1099/assignments?page_size=25');
const ASSIGN = answer('POST', '/unified/lms/users/emp-1001/assignments', {
  learning_object_external_reference: 'leadership-foundations',
});
const COMPLETE = answer('POST', '/unified/lms/users/emp-1001/completions', {
  learning_object_external_reference: 'leadership-foundations',
  result: { value: 'Pass' },
});

const server = createServer((req, res) => {
  // Drain the request body, then answer; nothing is parsed.
  req.resume();
  req.on('end', () => {
    const url = req.url ?? '';
    const reply =
      req.method === 'GET' && !url.includes('/assignments')
        ? live(url)
        : req.method === 'GET'
          ? LIST
          : url.includes('/completions')
            ? COMPLETE
            : req.method === 'POST'
              ? ASSIGN
              : undefined;
    if (!reply) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"statusCode":404,"message":"Not Found"}');
      return;
    }
    res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': reply.body.length });
    res.end(reply.body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `PORT ${typeof address === 'object' && address ? address.port : 0} LIST ${LIST.body.toString().length}\n`,
  );
});
process.on('SIGTERM', () => process.exit(0));
