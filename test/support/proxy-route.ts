import type { FakeRoute } from '../../local/providers/http-fake';

/**
 * A FakeRoute that forwards to a real server on 127.0.0.1, so the fault injector of http-fake.ts can sit
 * in front of a real implementation (the OAuth server) in adapter tests.
 */
export function proxyRoute(target: string): FakeRoute {
  return async (req) => {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && !['host', 'content-length', 'connection'].includes(key)) headers[key] = value;
    }
    const query = req.query.toString();
    const response = await fetch(`${target}${req.path}${query ? `?${query}` : ''}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
      redirect: 'manual',
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: forwarded as text
    }
    return { status: response.status, body: text === '' ? undefined : body };
  };
}
