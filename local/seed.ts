import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { tokenContext } from '../lambdas/providers/context';
import { adapterFor } from '../lambdas/providers/registry';
import { secretNameFor } from '../lambdas/shared/names';
import { serializeSecretValue, type TokenSecretValue } from '../lambdas/shared/secret-value';
import type { Inventory, TokenSpec } from '../lib/inventory/schema';
import type { FakeProviders } from './providers/server';

const DAY = 86_400_000;

export interface SeedLocalOptions {
  readonly secrets: SecretsManagerClient;
  readonly inventory: Inventory;
  readonly fakes: FakeProviders;
  /** The values {@link createLocalAdminSecrets} made, by secret name (issuing providers mint with them). */
  readonly adminSecrets: Readonly<Record<string, string>>;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** Only these tokens. @default every token of the inventory */
  readonly only?: readonly string[];
}

/** A provider the local seeder has no fake for (e.g. `http`, whose endpoint is the user's). */
export class SeedNotSupportedError extends Error {
  public constructor(token: string, provider: string) {
    super(`cannot seed ${token}: no local fake issues ${provider} tokens`);
    this.name = 'SeedNotSupportedError';
  }
}

/**
 * Stores a token value the way `tokenwarden put` does: one PutSecretValue of the TokenSecretValue JSON
 * with a fresh ClientRequestToken, which moves AWSCURRENT to it.
 */
export async function putTokenValue(
  secrets: SecretsManagerClient,
  env: string,
  token: string,
  value: TokenSecretValue,
): Promise<void> {
  await secrets.send(
    new PutSecretValueCommand({
      SecretId: secretNameFor(env, token),
      SecretString: serializeSecretValue(value),
      ClientRequestToken: randomUUID(),
    }),
  );
}

/**
 * Mints a real token for `spec` at its local fake (or, for issuing providers, through the adapter with
 * the admin secret, as a rotation would) and returns its stored form.
 * @param expiresInMs lifetime for providers whose fake takes one (GitLab); @default the rotation interval or 30 days
 */
export async function mintLocalToken(
  spec: TokenSpec,
  options: Omit<SeedLocalOptions, 'secrets' | 'only'>,
  expiresInMs?: number,
): Promise<TokenSecretValue> {
  const now = (options.clock ?? (() => new Date()))();
  const issuedAt = now.toISOString();
  const fakes = options.fakes.fakes;
  const lifetime = expiresInMs ?? (spec.rotation === 'manual' ? 30 * DAY : spec.rotation.every);
  switch (spec.provider) {
    case 'gitlab': {
      const date = new Date(now.getTime() + lifetime).toISOString().slice(0, 10);
      const value = fakes.gitlab.seed({ scopes: [...spec.scopes], expiresAt: date, name: spec.name });
      const id = fakes.gitlab.tokens.get(value)?.id;
      return {
        v: 1,
        token: value,
        issuedAt,
        expiresAt: `${date}T23:59:59Z`,
        ...(id === undefined ? {} : { providerTokenId: String(id) }),
        scopes: [...spec.scopes],
      };
    }
    case 'oauth2-client-credentials':
    case 'datadog':
    case 'sendgrid':
    case 'twilio': {
      const readAdminSecret = async (name: string) => {
        const value = options.adminSecrets[name];
        if (value === undefined) throw new Error(`admin secret ${name} was not created locally`);
        return value;
      };
      const adapter = adapterFor(spec.provider, { readAdminSecret });
      if (!adapter.issue) throw new SeedNotSupportedError(spec.name, spec.provider);
      const admin = spec.adminSecret ? await readAdminSecret(spec.adminSecret) : undefined;
      return adapter.issue({
        ctx: tokenContext(options.inventory.name, spec),
        ...(admin === undefined ? {} : { admin }),
        idempotencyKey: randomUUID(),
      });
    }
    case 'stripe': {
      const key = `sk_test_${randomBytes(18).toString('hex')}`;
      fakes.stripe.seedKey(key);
      return { v: 1, token: key, issuedAt, scopes: [...spec.scopes] };
    }
    case 'github-app': {
      const appId = String(spec.settings['appId']);
      const installationId = String(spec.settings['installationId']);
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      fakes.github.seedApp(appId, publicKey.export({ type: 'spki', format: 'pem' }).toString());
      const permissions = Object.fromEntries(
        spec.scopes.map((s) => {
          const [name, level] = s.split(':');
          return [name ?? s, level ?? 'read'];
        }),
      );
      fakes.github.seedInstallation(installationId, appId, permissions);
      return {
        v: 1,
        token: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        issuedAt,
        scopes: [...spec.scopes],
      };
    }
    case 'github-pat': {
      const token = fakes.github.seedPat({ login: 'qa-bot', scopes: [...spec.scopes] });
      return { v: 1, token, issuedAt, scopes: [...spec.scopes] };
    }
    case 'slack':
      return { v: 1, token: fakes.slack.seedToken([...spec.scopes]), issuedAt, scopes: [...spec.scopes] };
    default:
      throw new SeedNotSupportedError(spec.name, spec.provider);
  }
}

/**
 * Seeds every token (or `only` those) with a real token at its fake and stores it. The fakes live in
 * memory, so this runs on every start: a value kept in the state file is unknown to the new fakes.
 * Returns the tokens seeded.
 */
export async function seedLocal(options: SeedLocalOptions): Promise<string[]> {
  const seeded: string[] = [];
  for (const spec of options.inventory.tokens) {
    if (options.only && !options.only.includes(spec.name)) continue;
    const value = await mintLocalToken(spec, options);
    await putTokenValue(options.secrets, options.inventory.name, spec.name, value);
    seeded.push(spec.name);
  }
  return seeded;
}
