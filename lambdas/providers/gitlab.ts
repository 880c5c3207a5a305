import { ProviderResponseError, ProviderUnavailableError, TokenInvalidError } from '../shared/errors';
import { type HttpOptions, type HttpResponse, request } from '../shared/http';
import type { TokenSecretValue } from '../shared/secret-value';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { IssueInput, ProviderAdapter, TokenContext, VerifyResult } from './types';

/**
 * GitLab personal, project and group access tokens.
 * - verify: `GET /api/v4/personal_access_tokens/self` (works for project and group tokens too: they are
 *   tokens of bot users), https://docs.gitlab.com/api/personal_access_tokens/#get-details-on-a-personal-access-token
 *   `expires_at` is a date; GitLab tokens stop working at the end of that day UTC, which is what we report.
 * - issue, rotateWith `self`: `POST .../self/rotate` (personal:
 *   https://docs.gitlab.com/api/personal_access_tokens/#rotate-a-personal-access-token, project:
 *   https://docs.gitlab.com/api/project_access_tokens/#rotate-a-project-access-token, group:
 *   https://docs.gitlab.com/api/group_access_tokens/#rotate-a-group-access-token). Rotation revokes the
 *   old token at once, and rotating an already revoked token revokes the whole token family
 *   (gitlab-org/gitlab#524639), so a rotate call is NEVER retried: a 5xx from a proxy may hide a rotation
 *   that happened. The engine re-verifies the current token before any new rotate.
 * - issue, rotateWith `admin`: an admin token (the token's adminSecret) creates a project or group access
 *   token (`POST /projects/:id/access_tokens`, `POST /groups/:id/access_tokens`); the old one is revoked
 *   after the grace period.
 * - revoke: `DELETE /api/v4/personal_access_tokens/self` with the token itself; 401 means it is already
 *   revoked or expired, which is success.
 * Rate limits: GitLab answers 429 with Retry-After (and RateLimit-* headers), honoured by http.ts
 * (https://docs.gitlab.com/user/gitlab_com/#rate-limits-on-gitlabcom).
 * 403 on /self: GitLab answers `{"error":"insufficient_scope"}` for a valid token without a read scope;
 * any other 403 (GitLab.com turns repeated 401s from one IP into 403, PROVIDERS.md rule 1) is indeterminate.
 */
export interface GitlabAdapterOptions {
  readonly http?: HttpOptions;
  readonly clock?: () => Date;
}

const NAME = 'gitlab';
const DAY_MS = 86_400_000;
/** GitLab's maximum token lifetime (365 days, https://docs.gitlab.com/user/profile/personal_access_tokens/). */
const MAX_LIFETIME_MS = 365 * DAY_MS;

interface GitlabToken {
  id?: unknown;
  name?: unknown;
  token?: unknown;
  active?: unknown;
  revoked?: unknown;
  scopes?: unknown;
  expires_at?: unknown;
  user_id?: unknown;
}

/** The adapter for GitLab personal, project and group access tokens; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createGitlabAdapter(options: GitlabAdapterOptions = {}): ProviderAdapter {
  const clock = options.clock ?? (() => new Date());
  const call = (url: string, token: string, init: RequestInit = {}, retry = true): Promise<HttpResponse> =>
    request(
      NAME,
      url,
      {
        ...init,
        headers: { 'private-token': token, accept: 'application/json', 'content-type': 'application/json' },
      },
      retry ? options.http : { ...options.http, retries: 0 },
    );

  return {
    name: NAME,
    capabilities: PROVIDERS[NAME].capabilities,

    async verify(value: TokenSecretValue, ctx: TokenContext): Promise<VerifyResult> {
      const { baseUrl } = parseProviderSettings(NAME, ctx.settings);
      let response: HttpResponse;
      try {
        response = await call(`${api(baseUrl)}/personal_access_tokens/self`, value.token);
      } catch (error) {
        return indeterminate(error);
      }
      if (response.status === 401)
        return { verdict: 'invalid', status: 401, reason: 'GitLab answered 401 Unauthorized' };
      if (response.status === 403) {
        if (errorCode(response) === 'insufficient_scope') {
          return { verdict: 'valid', status: 403, reason: 'token works but lacks a scope to read its own details' };
        }
        return {
          verdict: 'indeterminate',
          status: 403,
          reason: 'GitLab answered 403 (possibly an IP block after failed logins)',
        };
      }
      if (response.status !== 200) {
        return { verdict: 'indeterminate', status: response.status, reason: `GitLab answered HTTP ${response.status}` };
      }
      let body: GitlabToken;
      try {
        body = response.json<GitlabToken>();
      } catch (error) {
        return indeterminate(error);
      }
      if (typeof body !== 'object' || body === null) {
        return { verdict: 'indeterminate', status: 200, reason: 'GitLab answer is not a token object' };
      }
      if (body.revoked === true) return { verdict: 'invalid', status: 200, reason: 'token is revoked' };
      if (body.active === false) return { verdict: 'invalid', status: 200, reason: 'token is not active (expired)' };
      return {
        verdict: 'valid',
        status: 200,
        scopes: stringList(body.scopes),
        expiresAt: endOfDay(body.expires_at),
        identity: typeof body.name === 'string' ? body.name : undefined,
      };
    },

    async issue(input: IssueInput): Promise<TokenSecretValue> {
      const settings = parseProviderSettings(NAME, input.ctx.settings);
      const expiresAt = expiryDate(clock(), input.ctx.lifetimeMs);
      if (settings.rotateWith === 'self') {
        if (!input.current)
          throw new ProviderResponseError(NAME, `token ${input.ctx.name} has no current token to rotate`);
        const url = `${api(settings.baseUrl)}${ownerPath(settings, input.ctx)}/self/rotate`;
        // Never retried (see the file comment): one rotate call per createSecret at most.
        const response = await call(
          url,
          input.current.token,
          { method: 'POST', body: JSON.stringify({ expires_at: expiresAt }) },
          false,
        );
        return tokenFrom(response, input, 'self', clock());
      }
      if (!input.admin)
        throw new ProviderResponseError(NAME, `token ${input.ctx.name} needs its adminSecret to create tokens`);
      if (settings.tokenType === 'personal') {
        throw new ProviderResponseError(
          NAME,
          `token ${input.ctx.name}: rotateWith admin supports project and group tokens; personal tokens rotate with self`,
        );
      }
      const url = `${api(settings.baseUrl)}${ownerPath(settings, input.ctx)}`;
      const body = { name: `tokenwarden-${input.ctx.name}`, scopes: input.ctx.scopes, expires_at: expiresAt };
      // Not retried either: a retried create after a lost answer would leave an unrecorded token.
      const response = await call(url, input.admin, { method: 'POST', body: JSON.stringify(body) }, false);
      return tokenFrom(response, input, 'admin', clock());
    },

    async revoke(value: TokenSecretValue, ctx: TokenContext): Promise<void> {
      const { baseUrl } = parseProviderSettings(NAME, ctx.settings);
      const response = await call(`${api(baseUrl)}/personal_access_tokens/self`, value.token, { method: 'DELETE' });
      // 204 revoked now; 401 already revoked or expired (the token cannot authenticate any more).
      if (response.status === 204 || response.status === 200 || response.status === 401) return;
      throw new ProviderResponseError(
        NAME,
        `GitLab answered HTTP ${response.status} to revoking a token of ${ctx.name}`,
      );
    },
  };
}

function api(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/v4`;
}

function ownerPath(
  settings: { tokenType: 'personal' | 'project' | 'group'; projectId?: string | number; groupId?: string | number },
  ctx: TokenContext,
): string {
  if (settings.tokenType === 'personal') return '/personal_access_tokens';
  const id = settings.tokenType === 'project' ? settings.projectId : settings.groupId;
  if (id === undefined) {
    throw new ProviderResponseError(
      NAME,
      `token ${ctx.name} is a ${settings.tokenType} token but has no ${settings.tokenType}Id`,
    );
  }
  return `/${settings.tokenType}s/${encodeURIComponent(String(id))}/access_tokens`;
}

/**
 * New tokens live twice the rotation interval (so one failed rotation does not let them expire), at
 * least a day and at most GitLab's 365 days; GitLab takes a date (YYYY-MM-DD).
 */
export function expiryDate(now: Date, lifetimeMs: number | undefined): string {
  const wanted = Math.max(DAY_MS, Math.min(MAX_LIFETIME_MS, 2 * (lifetimeMs ?? 30 * DAY_MS)));
  return new Date(now.getTime() + wanted).toISOString().slice(0, 10);
}

function tokenFrom(response: HttpResponse, input: IssueInput, how: string, now: Date): TokenSecretValue {
  const { ctx } = input;
  if (response.status === 401) {
    throw new TokenInvalidError(
      NAME,
      `GitLab refused to ${how === 'self' ? 'rotate' : 'create'} a token for ${ctx.name} (401)`,
      {
        status: 401,
      },
    );
  }
  if (response.status !== 200 && response.status !== 201) {
    throw new ProviderResponseError(NAME, `GitLab answered HTTP ${response.status} to issuing a token for ${ctx.name}`);
  }
  const body = response.json<GitlabToken>();
  if (typeof body?.token !== 'string' || body.token === '') {
    throw new ProviderResponseError(NAME, 'GitLab answer has no token');
  }
  return {
    v: 1,
    token: body.token,
    issuedAt: now.toISOString(),
    expiresAt: endOfDay(body.expires_at),
    providerTokenId: typeof body.id === 'number' || typeof body.id === 'string' ? String(body.id) : undefined,
    scopes: stringList(body.scopes) ?? [...ctx.scopes],
    provider: { rotatedWith: how },
  };
}

function endOfDay(date: unknown): string | undefined {
  if (typeof date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  return `${date}T23:59:59Z`;
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((s) => typeof s === 'string') ? (value as string[]) : undefined;
}

function errorCode(response: HttpResponse): string | undefined {
  try {
    const body = response.json<{ error?: unknown }>();
    return typeof body?.error === 'string' ? body.error : undefined;
  } catch {
    return undefined;
  }
}

function indeterminate(error: unknown): VerifyResult {
  if (error instanceof ProviderUnavailableError) {
    return { verdict: 'indeterminate', status: error.status, reason: error.message };
  }
  if (error instanceof ProviderResponseError) return { verdict: 'indeterminate', reason: error.message };
  return { verdict: 'indeterminate', reason: error instanceof Error ? error.name : 'unknown error' };
}
