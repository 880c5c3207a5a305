import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Shared harness for the fake provider APIs: each fake answers as its provider's docs say; this file
 * gives them a common way to be served on 127.0.0.1 and to inject the faults the reliability suite
 * needs (latency, error statuses with headers, malformed bodies, connection resets).
 */

export interface FakeRequest {
  readonly method: string;
  /** Path below the fake's mount point, e.g. `/api/v4/personal_access_tokens/self`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Objects are sent as JSON. */
  readonly body?: unknown;
}

export type FakeRoute = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

/** One injected fault, consumed by the next matching request. */
export type Fault =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: unknown;
    }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' };

export class FaultInjector {
  /** Added before every answer, to model a provider's latency. */
  public latencyMs = 0;
  private readonly queue: Fault[] = [];
  /** Requests seen, for assertions on call counts. */
  public requests = 0;

  /** Queue `fault` for the next `times` requests. */
  public failNext(fault: Fault, times = 1): void {
    for (let i = 0; i < times; i++) this.queue.push(fault);
  }

  public clear(): void {
    this.queue.length = 0;
    this.latencyMs = 0;
  }

  /** @internal used by the server */
  public take(): Fault | undefined {
    return this.queue.shift();
  }
}

/** Wraps a fake's routes in an HTTP request listener with fault injection. */
export function fakeListener(route: FakeRoute, faults: FaultInjector) {
  return async (req: IncomingMessage, res: ServerResponse, mountPath = ''): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    faults.requests++;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const fault = faults.take();
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') return; // never answers; the client's timeout must fire
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"unterminated": ');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const answer: FakeResponse =
      fault?.kind === 'status'
        ? { status: fault.status, headers: fault.headers, body: fault.body ?? { message: `injected ${fault.status}` } }
        : await route({
            method: req.method ?? 'GET',
            path: url.pathname.slice(mountPath.length) || '/',
            query: url.searchParams,
            headers: req.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
    const isText = typeof answer.body === 'string';
    const payload = answer.body === undefined ? '' : isText ? (answer.body as string) : JSON.stringify(answer.body);
    res
      .writeHead(answer.status, {
        'content-type': isText ? 'text/plain' : 'application/json',
        ...answer.headers,
      })
      .end(payload);
  };
}

export interface RunningFake {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** A local port is taken by another program; the message says which port. */
export class PortInUseError extends Error {
  public readonly port: number;

  public constructor(port: number, options?: ErrorOptions) {
    super(`port ${port} on 127.0.0.1 is already in use by another program`, options);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

/** Serves one listener on 127.0.0.1 (port 0 = any free port). */
export async function serveOnLoopback(
  listener: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  port = 0,
): Promise<RunningFake> {
  const server = createServer((req, res) => {
    Promise.resolve(listener(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, { cause: error }) : error),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a bearer token from an Authorization header, or undefined. */
export function bearer(headers: IncomingMessage['headers']): string | undefined {
  const value = headers.authorization;
  return value?.startsWith('Bearer ') ? value.slice(7) : undefined;
}
