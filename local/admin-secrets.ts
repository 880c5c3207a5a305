import type { Inventory } from '../lib/inventory/schema';
import type { FakeProviders } from './providers/server';

/**
 * The admin credentials of the local environment, created at the fakes: what an operator would paste
 * into each token's `adminSecret` on AWS. Values are fresh on every start because the fakes live in memory.
 *
 * Formats are the adapters' (lambdas/providers/*.ts): Datadog `{apiKey, appKey}`, SendGrid `{apiKey}`
 * with the api_keys scopes, Twilio `{sid, secret}` of a Main key, OAuth 2.0 the client secret itself.
 */
export function createLocalAdminSecrets(
  inventory: Inventory,
  fakes: FakeProviders,
  oauthClientSecret: (clientId: string) => string,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const token of inventory.tokens) {
    const name = token.adminSecret;
    if (name === undefined || out[name] !== undefined) continue;
    switch (token.provider) {
      case 'oauth2-client-credentials':
        out[name] = oauthClientSecret(String(token.settings['clientId']));
        break;
      case 'datadog': {
        const apiKey = fakes.fakes.datadog.seedApiKey().key;
        const appKey = fakes.fakes.datadog.seedAppKey(null).key;
        out[name] = JSON.stringify({ apiKey, appKey });
        break;
      }
      case 'sendgrid':
        out[name] = JSON.stringify({
          apiKey: fakes.fakes.sendgrid.seedKey(['api_keys.create', 'api_keys.delete', 'api_keys.read']).key,
        });
        break;
      case 'twilio': {
        const main = fakes.fakes.twilio.seedKey({ main: true });
        out[name] = JSON.stringify({ sid: main.sid, secret: main.secret });
        break;
      }
      case 'gitlab':
        out[name] = fakes.fakes.gitlab.seed({ scopes: ['api'], admin: true, name: 'tokenwarden-admin' });
        break;
      default:
        break;
    }
  }
  return out;
}
