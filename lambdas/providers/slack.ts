import { request } from '../shared/http';
import type { TokenSecretValue } from '../shared/secret-value';
import type { AdapterOptions } from './adapter-kit';
import {
  endpoint,
  expectStatus,
  missingScopes,
  scopesFromHeader,
  unexpectedAnswer,
  verifying,
  withScopeNote,
} from './adapter-kit';
import { ProviderResponseError } from '../shared/errors';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { ProviderAdapter, TokenContext } from './types';

/**
 * Slack bot and user tokens. The Web API answers HTTP 200 with `ok: false` and an error code, so
 * the verdict comes from the body (PROVIDERS.md rule 2); a 429 carries Retry-After only (rule 8),
 * which lambdas/shared/http.ts honours.
 */
const NAME = 'slack';

/** auth.test error codes that mean the token will never work again.
 * https://docs.slack.dev/reference/methods/auth.test#errors */
const INVALID_ERRORS = new Set([
  'invalid_auth',
  'token_revoked',
  'account_inactive',
  'not_authed',
  'token_expired',
  'no_permission',
  'org_login_required',
  'ekm_access_denied',
]);

interface SlackAnswer {
  readonly ok?: unknown;
  readonly error?: unknown;
  readonly user?: unknown;
  readonly team?: unknown;
}

/** Error codes are short snake_case words; anything else is not echoed (it could be anything). */
function errorCode(answer: SlackAnswer): string {
  return typeof answer.error === 'string' && /^[a-z_]{1,64}$/.test(answer.error) ? answer.error : 'unknown_error';
}

/** The adapter for Slack bot and user tokens; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createSlackAdapter(options: AdapterOptions = {}): ProviderAdapter {
  return {
    name: NAME,
    capabilities: PROVIDERS.slack.capabilities,

    verify(value, ctx) {
      return verifying(NAME, async () => {
        const { baseUrl } = parseProviderSettings('slack', ctx.settings);
        // https://docs.slack.dev/reference/methods/auth.test
        const url = endpoint(baseUrl, '/auth.test');
        const res = await request(
          NAME,
          url,
          { method: 'POST', headers: { Authorization: `Bearer ${value.token}` } },
          options.http,
        );
        if (res.status !== 200) return unexpectedAnswer(NAME, url, res);
        const answer = res.json<SlackAnswer>();
        if (answer.ok === true) {
          // Granted scopes come back in x-oauth-scopes, comma separated.
          // https://docs.slack.dev/authentication/tokens#scopes
          const scopes = scopesFromHeader(res.headers);
          const identity =
            typeof answer.team === 'string' && typeof answer.user === 'string'
              ? `${answer.team}/${answer.user}`
              : undefined;
          const reason = withScopeNote('Slack auth.test ok', missingScopes(ctx.scopes, scopes));
          return { verdict: 'valid', reason, scopes, identity, status: 200 };
        }
        const code = errorCode(answer);
        if (INVALID_ERRORS.has(code)) return { verdict: 'invalid', reason: `Slack auth.test: ${code}`, status: 200 };
        // ratelimited, fatal_error, internal_error, service_unavailable, ...: Slack could not tell.
        return { verdict: 'indeterminate', reason: `Slack auth.test: ${code}`, status: 200 };
      });
    },

    async revoke(value: TokenSecretValue, ctx: TokenContext): Promise<void> {
      const { baseUrl } = parseProviderSettings('slack', ctx.settings);
      // https://docs.slack.dev/reference/methods/auth.revoke : the token revokes itself.
      const url = endpoint(baseUrl, '/auth.revoke');
      const res = await request(
        NAME,
        url,
        { method: 'POST', headers: { Authorization: `Bearer ${value.token}` } },
        options.http,
      );
      expectStatus(NAME, url, res, [200], 'revoke a token');
      const answer = res.json<SlackAnswer>();
      if (answer.ok === true) return;
      const code = errorCode(answer);
      // Already revoked or never valid: nothing left to revoke (revoke is idempotent).
      if (INVALID_ERRORS.has(code)) return;
      throw new ProviderResponseError(NAME, `Slack auth.revoke failed: ${code}`);
    },
  };
}
