import { ProviderResponseError, ProviderUnavailableError, TokenInvalidError } from '../shared/errors';
import { type HttpOptions, type HttpResponse, request } from '../shared/http';
import type { TokenSecretValue } from '../shared/secret-value';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { ProviderAdapter, TokenContext, VerifyResult } from './types';

/**
 * OAuth 2.0 client credentials (any authorization server that speaks the RFCs):
 * - issue: RFC 6749 §4.4 token request, client authenticated with client_secret_basic (§2.3.1),
 *   https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * - verify: RFC 7662 token introspection, authenticated as the same client; `active:false` is the only
 *   "invalid" answer, https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 * - revoke: RFC 7009, which answers 200 for unknown or already revoked tokens,
 *   https://www.rfc-editor.org/rfc/rfc7009#section-2.2
 * The client secret is the token's admin secret (PROVIDERS.md rule 6): the engine passes it to `issue`
 * and `revoke`; `verify` has no admin argument, so the factory takes `readClientSecret`.
 */
export interface OAuth2AdapterOptions {
  readonly http?: HttpOptions;
  /** Reads the client secret for a token (its adminSecret). Without it, verify answers indeterminate. */
  readonly readClientSecret?: (ctx: TokenContext) => Promise<string>;
  readonly clock?: () => Date;
}

const NAME = 'oauth2-client-credentials';

interface TokenResponse {
  access_token?: unknown;
  token_type?: unknown;
  expires_in?: unknown;
  scope?: unknown;
}

interface IntrospectionResponse {
  active?: unknown;
  exp?: unknown;
  scope?: unknown;
  client_id?: unknown;
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding. */
function basic(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

function form(fields: Record<string, string>): URLSearchParams {
  return new URLSearchParams(fields);
}

/** The adapter for OAuth 2.0 client-credentials access tokens; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createOAuth2Adapter(options: OAuth2AdapterOptions = {}): ProviderAdapter {
  const clock = options.clock ?? (() => new Date());
  const post = (url: string, auth: string, body: URLSearchParams, retry = true): Promise<HttpResponse> =>
    request(
      NAME,
      url,
      {
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body,
      },
      retry ? options.http : { ...options.http, retries: 0 },
    );

  return {
    name: NAME,
    capabilities: PROVIDERS[NAME].capabilities,

    async verify(value: TokenSecretValue, ctx: TokenContext): Promise<VerifyResult> {
      const settings = parseProviderSettings(NAME, ctx.settings);
      if (!options.readClientSecret) {
        return { verdict: 'indeterminate', reason: 'no client secret to authenticate the introspection call' };
      }
      let response: HttpResponse;
      try {
        const secret = await options.readClientSecret(ctx);
        response = await post(
          settings.introspectionUrl,
          basic(settings.clientId, secret),
          form({ token: value.token, token_type_hint: 'access_token' }),
        );
      } catch (error) {
        return indeterminate(error);
      }
      // 401/403 here means our client credentials were refused, which says nothing about the token.
      if (response.status !== 200) {
        return {
          verdict: 'indeterminate',
          status: response.status,
          reason: `introspection answered HTTP ${response.status}`,
        };
      }
      let body: IntrospectionResponse;
      try {
        body = response.json<IntrospectionResponse>();
      } catch (error) {
        return indeterminate(error);
      }
      if (typeof body !== 'object' || body === null || typeof body.active !== 'boolean') {
        return { verdict: 'indeterminate', status: 200, reason: 'introspection answer has no boolean "active"' };
      }
      if (!body.active)
        return { verdict: 'invalid', status: 200, reason: 'introspection says the token is not active' };
      const scopes = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : undefined;
      const expiresAt = typeof body.exp === 'number' ? new Date(body.exp * 1000).toISOString() : undefined;
      const clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
      if (clientId !== undefined && clientId !== settings.clientId) {
        return { verdict: 'invalid', status: 200, reason: 'token was issued to another client', identity: clientId };
      }
      return { verdict: 'valid', status: 200, scopes, expiresAt, identity: clientId ?? settings.clientId };
    },

    async issue({ ctx, admin }): Promise<TokenSecretValue> {
      const settings = parseProviderSettings(NAME, ctx.settings);
      if (!admin) throw new ProviderResponseError(NAME, `token ${ctx.name} needs its client secret (adminSecret)`);
      const fields: Record<string, string> = { grant_type: 'client_credentials' };
      if (ctx.scopes.length > 0) fields['scope'] = ctx.scopes.join(' ');
      // Not retried here: a retry after a lost answer mints a second, unrecorded token; Secrets Manager
      // retries the whole rotation instead.
      const response = await post(settings.tokenUrl, basic(settings.clientId, admin), form(fields), false);
      if (response.status === 400 || response.status === 401) {
        // RFC 6749 §5.2: invalid_client / unauthorized_client / invalid_scope; the code is safe to show.
        const code = safeErrorCode(response);
        throw new TokenInvalidError(NAME, `token endpoint refused the client of ${ctx.name}: ${code}`, {
          status: response.status,
        });
      }
      if (response.status !== 200) {
        throw new ProviderResponseError(NAME, `token endpoint answered HTTP ${response.status} for ${ctx.name}`);
      }
      const body = response.json<TokenResponse>();
      if (typeof body?.access_token !== 'string' || body.access_token === '') {
        throw new ProviderResponseError(NAME, 'token endpoint answer has no access_token');
      }
      const now = clock();
      const scopes = typeof body.scope === 'string' ? body.scope.split(' ').filter(Boolean) : [...ctx.scopes];
      return {
        v: 1,
        token: body.access_token,
        issuedAt: now.toISOString(),
        expiresAt:
          typeof body.expires_in === 'number'
            ? new Date(now.getTime() + body.expires_in * 1000).toISOString()
            : undefined,
        scopes,
      };
    },

    async revoke(value: TokenSecretValue, ctx: TokenContext, admin?: string): Promise<void> {
      const settings = parseProviderSettings(NAME, ctx.settings);
      // Without a revocation endpoint the token simply runs out (client-credentials tokens are short-lived).
      if (!settings.revocationUrl) return;
      if (!admin) throw new ProviderResponseError(NAME, `token ${ctx.name} needs its client secret to revoke`);
      const response = await post(
        settings.revocationUrl,
        basic(settings.clientId, admin),
        form({ token: value.token, token_type_hint: 'access_token' }),
      );
      // RFC 7009 §2.2: 200 also for tokens that are unknown or already revoked.
      if (response.status === 200) return;
      throw new ProviderResponseError(NAME, `revocation endpoint answered HTTP ${response.status} for ${ctx.name}`);
    },
  };
}

function indeterminate(error: unknown): VerifyResult {
  if (error instanceof ProviderUnavailableError) {
    return { verdict: 'indeterminate', status: error.status, reason: error.message };
  }
  if (error instanceof ProviderResponseError) return { verdict: 'indeterminate', reason: error.message };
  return { verdict: 'indeterminate', reason: error instanceof Error ? error.name : 'unknown error' };
}

/** The RFC 6749 §5.2 error code only, never the rest of the body. */
function safeErrorCode(response: HttpResponse): string {
  try {
    const body = response.json<{ error?: unknown }>();
    if (typeof body?.error === 'string' && /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(body.error)) return body.error;
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${response.status}`;
}
