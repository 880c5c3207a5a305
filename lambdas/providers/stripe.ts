import { request } from '../shared/http';
import type { AdapterOptions } from './adapter-kit';
import { endpoint, unexpectedAnswer, verifying } from './adapter-kit';
import { PROVIDERS } from './catalog';
import { parseProviderSettings } from './settings';
import type { ProviderAdapter, VerifyResult } from './types';

/**
 * Stripe secret (sk_) and restricted (rk_) keys: verify only, since keys are created and rolled in
 * the Dashboard. A live-mode key in a QA environment is itself a finding (PROVIDERS.md), reported
 * in `warnings` (and `reason`) so the health model can warn; only the prefix is looked at.
 */
const NAME = 'stripe';

/** True when the key is a live-mode secret or restricted key (https://docs.stripe.com/keys#obtain-api-keys). */
export function isStripeLiveKey(token: string): boolean {
  return token.startsWith('sk_live_') || token.startsWith('rk_live_');
}

export const STRIPE_LIVE_KEY_NOTE = 'LIVE-mode key (sk_live_/rk_live_) stored in a QA environment';

/** The adapter for Stripe secret and restricted keys; every call goes through lambdas/shared/http.ts (timeouts, bounded retries). */
export function createStripeAdapter(options: AdapterOptions = {}): ProviderAdapter {
  return {
    name: NAME,
    capabilities: PROVIDERS.stripe.capabilities,

    async verify(value, ctx) {
      const result = await verifying(NAME, async (): Promise<VerifyResult> => {
        const { baseUrl } = parseProviderSettings('stripe', ctx.settings);
        // https://docs.stripe.com/api/balance/balance_retrieve
        const url = endpoint(baseUrl, '/v1/balance');
        const res = await request(NAME, url, { headers: { Authorization: `Bearer ${value.token}` } }, options.http);
        // https://docs.stripe.com/api/errors : 401 "No valid API key provided", 403 "The API key doesn't
        // have permissions to perform the request" (a restricted key: authenticated, so valid; see
        // https://docs.stripe.com/changelog/2016-10-19/insufficient-permissions-throw-403-error).
        // The error bodies quote part of the key, so they are never passed on.
        if (res.status === 401) return { verdict: 'invalid', reason: 'Stripe rejected the key (401)', status: 401 };
        if (res.status === 403) {
          return {
            verdict: 'valid',
            reason: 'Stripe accepted the restricted key; it may not read the balance (403)',
            status: 403,
          };
        }
        if (res.status !== 200) return unexpectedAnswer(NAME, url, res);
        const body = res.json<{ object?: unknown; livemode?: unknown }>();
        if (body.object !== 'balance') return unexpectedAnswer(NAME, url, res);
        const liveAnswer = body.livemode === true && !isStripeLiveKey(value.token) ? `; ${STRIPE_LIVE_KEY_NOTE}` : '';
        return {
          verdict: 'valid',
          reason: `Stripe accepted the key${liveAnswer}`,
          ...(liveAnswer ? { warnings: [STRIPE_LIVE_KEY_NOTE] } : {}),
          status: 200,
        };
      });
      // Flagged whatever the verdict: a live key in QA is a finding even when it no longer works.
      return isStripeLiveKey(value.token)
        ? {
            ...result,
            reason: `${result.reason ?? 'Stripe'}; ${STRIPE_LIVE_KEY_NOTE}`,
            warnings: [STRIPE_LIVE_KEY_NOTE],
          }
        : result;
    },
  };
}
