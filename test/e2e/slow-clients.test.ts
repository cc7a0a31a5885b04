import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator.js';
import { SOCKET_LIMITS } from '../../src/edge.js';
import { USERS, testEmulator, tokenFor } from '../support/emulator.js';

/**
 * Slow and oversized clients over real sockets: a client that trickles its headers or its body one
 * byte a second (Slowloris), or opens a connection and says nothing, is cut within 10 s while other
 * clients are served; headers over the limit get 431 in the path's shape.
 */
const LIMIT_MS = 10_000;

interface Trickle {
  /** ms from connect until the server closed the connection. */
  closedAfter: Promise<number>;
  /** What the server wrote before closing. */
  received: () => string;
}

function trickle(connect: () => net.Socket, opening: string, drip: string | undefined): Trickle {
  const socket = connect();
  const started = performance.now();
  let text = '';
  let timer: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (text += d));
  const closedAfter = new Promise<number>((resolve) => {
    socket.on('close', () => {
      clearInterval(timer);
      resolve(performance.now() - started);
    });
    socket.on('error', () => undefined);
  });
  socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => socket.write(opening));
  // One byte a second, for far longer than the limits, unless the server cuts it first.
  if (drip !== undefined) {
    let i = 0;
    timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(drip[i++ % drip.length]!);
    }, 1000);
  }
  // Safety net: the test fails on the assertion, not by hanging.
  setTimeout(() => socket.destroy(), 30_000).unref();
  return { closedAfter, received: () => text };
}

describe('socket limits', () => {
  let emu: Emulator;
  let http: URL;
  let https: URL;

  beforeAll(async () => {
    emu = await testEmulator();
    const urls = await emu.listen();
    http = new URL(urls.http!);
    https = new URL(urls.https!);
  });
  afterAll(async () => emu.close());

  const plain = () => net.connect(Number(http.port), http.hostname);
  const secure = () => tls.connect({ port: Number(https.port), host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false });

  it('are set deliberately, and each cut comes within 10 s', () => {
    expect(SOCKET_LIMITS.headersTimeoutMs + SOCKET_LIMITS.connectionsCheckingIntervalMs).toBeLessThan(LIMIT_MS);
    expect(SOCKET_LIMITS.requestTimeoutMs + SOCKET_LIMITS.connectionsCheckingIntervalMs).toBeLessThan(LIMIT_MS);
    expect(emu.app.server.headersTimeout).toBe(SOCKET_LIMITS.headersTimeoutMs);
    expect(emu.app.server.requestTimeout).toBe(SOCKET_LIMITS.requestTimeoutMs);
    expect(emu.app.server.keepAliveTimeout).toBe(SOCKET_LIMITS.keepAliveTimeoutMs);
  });

  it('cuts Slowloris clients (headers, body, silence; HTTP and HTTPS) within 10 s while serving others', async () => {
    const slow = [
      trickle(plain, 'GET /v1.0/me HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'),
      trickle(plain, 'POST /_emulator/clock HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n', '{"a":1}'),
      trickle(plain, '', undefined),
      trickle(secure, 'GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'),
    ];
    // Others are served meanwhile, promptly, over both listeners.
    const served: number[] = [];
    const until = Promise.all(slow.map((s) => s.closedAfter));
    let done = false;
    void until.then(() => (done = true));
    while (!done) {
      const res = await fetch(`${http.origin}/_emulator/health`);
      served.push(res.status);
      await new Promise((r) => setTimeout(r, 250));
    }
    const times = await until;
    for (const t of times) expect(t).toBeLessThan(LIMIT_MS);
    expect(served.length).toBeGreaterThan(3);
    expect(served.every((s) => s === 200)).toBe(true);
    // The trickled body was answered with 408 in the control plane's shape before the close.
    const [head, body] = slow[1]!.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(body!).error.code).toBe('RequestTimeout');
    for (const [i, t] of times.entries()) console.log(`slow client ${i} cut after ${Math.round(t)} ms`);
  }, 40_000);

  it("answers a body trickled to a Graph path with 408 in Graph's envelope, within 10 s", async () => {
    // A valid token: without one Graph answers 401 before it reads the body.
    const token = await tokenFor(emu, USERS.admin.upn, { mfa: true });
    const opening = `POST /v1.0/roleManagement/directory/roleAssignmentScheduleRequests HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
    const slow = trickle(plain, opening, '{"a":1}');
    expect(await slow.closedAfter).toBeLessThan(LIMIT_MS);
    const [head, body] = slow.received().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expect(head).toMatch(/content-type: application\/json;odata\.metadata=minimal/i);
    const json = JSON.parse(body!);
    expect(Object.keys(json)).toEqual(['error']);
    expect(json.error.code).toBe('RequestTimeout');
    expect(json.error.message).toMatch(/^The request did not arrive in time/);
    expect(Object.keys(json.error.innerError)).toEqual(['date', 'request-id', 'client-request-id']);
  }, 20_000);

  it('closes an idle keep-alive connection within 10 s', async () => {
    const idle = trickle(plain, 'GET /_emulator/health HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n', undefined);
    const after = await idle.closedAfter;
    expect(idle.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(after).toBeLessThan(LIMIT_MS);
  }, 20_000);

  it("answers headers over the limit with 431 in Graph's envelope under /v1.0, and the control plane's shape elsewhere", async () => {
    const big = `X-Big: ${'a'.repeat(SOCKET_LIMITS.maxHeaderSize + 10)}\r\n`;
    for (const [path, graph] of [['/v1.0/me', true], ['/_emulator/health', false]] as const) {
      const s = trickle(plain, `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${big}\r\n`, undefined);
      await s.closedAfter;
      const [head, body] = s.received().split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 431 /);
      const json = JSON.parse(body!);
      if (graph) {
        expect(head).toMatch(/content-type: application\/json;odata\.metadata=minimal/i);
        expect(json.error.code).toBe('RequestHeaderFieldsTooLarge');
        expect(Object.keys(json.error.innerError)).toEqual(['date', 'request-id', 'client-request-id']);
      } else {
        expect(json).toEqual({ error: { code: 'RequestHeaderFieldsTooLarge', message: expect.stringContaining('16384 bytes') } });
      }
    }
  });
});
