import { describe, expect, it } from 'vitest';
import { ProviderResponseError, ProviderUnavailableError } from '../../../lambdas/shared/errors';
import { request } from '../../../lambdas/shared/http';

const CANARY = 'CANARY-tw-9f3a1c7e5b2d4a6f';

/** Everything a logger could print about an error: message, cause chain, enumerable properties. */
function everythingAbout(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 5) return String(error);
  const own = Object.entries(error).map(([k, v]) => `${k}=${String(v)}`);
  return [error.name, error.message, error.stack ?? '', ...own, everythingAbout(error.cause, depth + 1)].join('\n');
}

const answering =
  (status: number, body: string, headers: Record<string, string> = {}): typeof fetch =>
  async () =>
    new Response(body, { status, headers });

describe('request()', () => {
  it('throws ProviderResponseError for a body that is not JSON without quoting any of the body, cause included', async () => {
    // GIVEN a token endpoint answering a broken JSON document that holds a new token (V8's SyntaxError
    // would quote `..."ss_token":CANARY-tw-"...`)
    const body = `{"access_token":${CANARY}}`;
    const res = await request('oauth2', 'https://idp.example/token', {}, { fetch: answering(200, body) });
    // WHEN the adapter parses it
    let thrown: unknown;
    try {
      res.json();
    } catch (error) {
      thrown = error;
    }
    // THEN the error (and anything it links to) says nothing of the body
    expect(thrown).toBeInstanceOf(ProviderResponseError);
    const text = everythingAbout(thrown);
    expect(text).not.toContain('CANARY');
    expect(text).not.toContain('access_tok');
  });

  it('never follows a redirect: it asks fetch for redirect "manual" and hands the 3xx back', async () => {
    let redirectMode: RequestInit['redirect'];
    const fetchSpy: typeof fetch = async (_url, init) => {
      redirectMode = init?.redirect;
      return new Response('', { status: 302, headers: { location: 'https://elsewhere.example/' } });
    };
    const res = await request('x', 'https://api.example/user', {}, { fetch: fetchSpy });
    expect(redirectMode).toBe('manual');
    expect(res.status).toBe(302);
  });

  it('names no query string (credentials) and no response body when a provider stays unavailable', async () => {
    const url = `https://api.example/check?api_key=${CANARY}`;
    const error = await request(
      'x',
      url,
      {},
      { fetch: answering(503, CANARY), retries: 1, sleep: async () => {} },
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(everythingAbout(error)).not.toContain('CANARY');
    expect((error as Error).message).toContain('https://api.example/check');
  });

  it('names no query string when the network fails with a cause that quotes the URL', async () => {
    const url = `https://api.example/check?token=${CANARY}`;
    const failing: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: new Error(`connect ECONNREFUSED ${url}`) });
    };
    const error = await request('x', url, {}, { fetch: failing, retries: 0 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(everythingAbout(error)).not.toContain('CANARY');
  });

  describe('a request that creates something (createsResource)', () => {
    const counting = (statuses: number[]) => {
      let calls = 0;
      const fetchImpl: typeof fetch = async () => new Response('{}', { status: statuses[calls++] ?? 200 });
      return { fetchImpl, calls: () => calls };
    };

    it('is not retried after a 5xx, which may come after the key was created', async () => {
      const f = counting([503, 201]);
      const error = await request(
        'x',
        'https://api.example/keys',
        { method: 'POST' },
        {
          createsResource: true,
          fetch: f.fetchImpl,
          sleep: async () => {},
        },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect(f.calls()).toBe(1);
    });

    it('is not retried after a network error or timeout', async () => {
      let calls = 0;
      const failing: typeof fetch = async () => {
        calls++;
        throw new DOMException('timed out', 'TimeoutError');
      };
      await expect(
        request('x', 'https://api.example/keys', { method: 'POST' }, { createsResource: true, fetch: failing }),
      ).rejects.toBeInstanceOf(ProviderUnavailableError);
      expect(calls).toBe(1);
    });

    it('is retried after a 429, which says the request was not processed', async () => {
      const f = counting([429, 201]);
      const res = await request(
        'x',
        'https://api.example/keys',
        { method: 'POST' },
        {
          createsResource: true,
          fetch: f.fetchImpl,
          sleep: async () => {},
        },
      );
      expect(res.status).toBe(201);
      expect(f.calls()).toBe(2);
    });
  });
});
