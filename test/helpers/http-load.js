// A small bounded load generator over real HTTP (loopback, keep-alive): `concurrency` workers
// share a request counter, each sending one request at a time. Every request's outcome is kept
// (status, parsed JSON body, time taken, or the network error), so tests can check each
// acknowledged request against what the database holds.
import http from 'node:http';

/**
 * @param {object} options
 * @param {number} options.port
 * @param {number} [options.requests]  stop after this many requests (default: run until `until()` is true)
 * @param {number} options.concurrency
 * @param {(i: number) => { method?: string, path: string, headers?: object, body?: string|Buffer }} options.request
 * @param {() => boolean} [options.until]  checked before each request: true stops the worker
 * @param {(result: object) => number} [options.pauseAfter]  ms a worker waits after a result (client backoff)
 * @returns {Promise<{ results: object[], agent: http.Agent }>}
 */
export async function runLoad({ port, requests = Infinity, concurrency, request, until = () => false, pauseAfter }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const results = [];
  let next = 0;
  async function worker() {
    while (next < requests && !until()) {
      const i = next++;
      const result = await send(port, agent, i, request(i));
      results.push(result);
      const pause = pauseAfter?.(result) ?? 0;
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return { results };
}

/** One request; never rejects: a network error is part of the result. */
export function send(port, agent, i, { method = 'GET', path, headers = {}, body }) {
  const started = performance.now();
  // Node's client sends no Content-Length for a GET or DELETE body: the server would then read
  // the body as the next request. Said explicitly, any method may carry one.
  if (body !== undefined && body !== null) headers = { ...headers, 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method, path, headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        resolve({
          i,
          status: res.statusCode,
          headers: res.headers,
          json,
          text,
          ms: performance.now() - started,
          sentAt: started,
        });
      });
      res.on('error', (error) => resolve({ i, status: 0, error, ms: performance.now() - started, sentAt: started }));
    });
    req.on('error', (error) => resolve({ i, status: 0, error, ms: performance.now() - started, sentAt: started }));
    req.end(body);
  });
}

/** Starts `handler` (an http request listener) on a loopback port. */
export async function listen(handler) {
  const server = http.createServer(handler);
  // Many keep-alive sockets open and close per test: no idle timeout surprises in between.
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: server.address().port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
