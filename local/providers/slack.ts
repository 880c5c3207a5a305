import { randomBytes } from 'node:crypto';
import type { FakeRoute } from './http-fake';
import { bearer } from './http-fake';

/**
 * Fake Slack Web API auth methods, under `/api/` as on slack.com (so a token's baseUrl is
 * `<fakes>/slack/api`, like `https://slack.com/api`). Like Slack, it answers HTTP 200 with `ok: false` and an error code
 * (https://docs.slack.dev/reference/methods/auth.test) and lists granted scopes in x-oauth-scopes.
 */
export interface SlackFakeState {
  readonly tokens: Map<string, { scopes: string[]; user: string; team: string; revoked: boolean }>;
  readonly calls: Record<string, number>;
  seedToken(scopes: string[], token?: string): string;
  revoke(token: string): boolean;
}

export interface SlackFake {
  readonly route: FakeRoute;
  readonly state: SlackFakeState;
}

export function createSlackFake(): SlackFake {
  const tokens = new Map<string, { scopes: string[]; user: string; team: string; revoked: boolean }>();
  const calls: Record<string, number> = {};
  const state: SlackFakeState = {
    tokens,
    calls,
    seedToken(scopes, token = `xoxb-${randomBytes(12).toString('hex')}`) {
      tokens.set(token, { scopes, user: 'qa-bot', team: 'QA', revoked: false });
      return token;
    },
    revoke(token) {
      const entry = tokens.get(token);
      if (!entry || entry.revoked) return false;
      entry.revoked = true;
      return true;
    },
  };
  const route: FakeRoute = (req) => {
    const method = req.path.replace(/^\/api/, '');
    const name = `${req.method} ${method}`;
    calls[name] = (calls[name] ?? 0) + 1;
    if (!req.path.startsWith('/api/') || (method !== '/auth.test' && method !== '/auth.revoke')) {
      return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
    const token = bearer(req.headers);
    if (token === undefined) return { status: 200, body: { ok: false, error: 'not_authed' } };
    const entry = tokens.get(token);
    if (!entry) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    if (entry.revoked) return { status: 200, body: { ok: false, error: 'token_revoked' } };
    if (method === '/auth.revoke') {
      entry.revoked = true;
      return { status: 200, body: { ok: true, revoked: true } };
    }
    return {
      status: 200,
      headers: { 'x-oauth-scopes': entry.scopes.join(',') },
      body: {
        ok: true,
        url: 'https://qa.slack.com/',
        team: entry.team,
        user: entry.user,
        team_id: 'T0001',
        user_id: 'U0001',
      },
    };
  };
  return { route, state };
}
