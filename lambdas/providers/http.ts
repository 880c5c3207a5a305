import { request } from '../shared/http';
import type { AdapterOptions } from './adapter-kit';
import { toIsoDate, unexpectedAnswer, verifying } from './adapter-kit';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { ProviderAdapter, VerifyResult } from './types';

/**
 * A generic verifier for services without a dedicated adapter: the inventory says which request to
 * send (method, URL, headers with `{{token}}`) and which statuses mean valid or invalid. Any other
 * answer is indeterminate (PROVIDERS.md rule 7). The token only ever goes into headers.
 */
const NAME = 'http';

/** Reads a dotted path (`data.expires_at`) from parsed JSON. */
function readPath(data: unknown, path: string): unknown {
  let node = data;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The adapter for any HTTP service, as the inventory describes; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createHttpAdapter(options: AdapterOptions = {}): ProviderAdapter {
  return {
    name: NAME,
    capabilities: PROVIDERS.http.capabilities,

    verify(value, ctx) {
      return verifying(NAME, async (): Promise<VerifyResult> => {
        const settings = parseProviderSettings('http', ctx.settings);
        const headers = Object.fromEntries(
          Object.entries(settings.headers).map(([key, template]) => [
            key,
            template.replaceAll('{{token}}', value.token),
          ]),
        );
        const res = await request(NAME, settings.url, { method: settings.method, headers }, options.http);
        if (settings.invalidStatus.includes(res.status)) {
          return {
            verdict: 'invalid',
            reason: `the service rejected the token (HTTP ${res.status})`,
            status: res.status,
          };
        }
        if (!settings.validStatus.includes(res.status)) return unexpectedAnswer(NAME, settings.url, res);
        if (settings.expiryJsonPath === undefined) {
          return {
            verdict: 'valid',
            reason: `the service accepted the token (HTTP ${res.status})`,
            status: res.status,
          };
        }
        const raw = readPath(res.json(), settings.expiryJsonPath);
        const expiresAt = toIsoDate(raw);
        if (raw !== undefined && raw !== null && expiresAt === undefined) {
          return {
            verdict: 'indeterminate',
            reason: `the value at ${settings.expiryJsonPath} is neither an ISO date nor epoch seconds`,
            status: res.status,
          };
        }
        const reason = expiresAt
          ? `the service accepted the token (HTTP ${res.status})`
          : `the service accepted the token (HTTP ${res.status}); no expiry at ${settings.expiryJsonPath}`;
        return { verdict: 'valid', reason, expiresAt, status: res.status };
      });
    },
  };
}
