import type { AdapterOptions } from './adapter-kit';
import type { ProviderName } from './catalog';
import { createDatadogAdapter } from './datadog';
import { createGithubAppAdapter } from './github-app';
import { createGithubPatAdapter } from './github-pat';
import { createGitlabAdapter } from './gitlab';
import { createOAuth2Adapter } from './oauth2-client-credentials';
import { createHttpAdapter } from './http';
import { createSendgridAdapter } from './sendgrid';
import { createSlackAdapter } from './slack';
import { createStripeAdapter } from './stripe';
import { createTwilioAdapter } from './twilio';
import type { ProviderAdapter } from './types';

/** Builds one provider's adapter. */
export type AdapterFactory = (options?: AdapterOptions) => ProviderAdapter;

/** A provider name with no adapter registered in this build. */
export class AdapterNotRegisteredError extends Error {
  public readonly provider: string;

  public constructor(provider: string) {
    super(`no adapter is registered for provider "${provider}"`);
    this.name = 'AdapterNotRegisteredError';
    this.provider = provider;
  }
}

/** The oauth2 adapter reads the client secret (the token's admin secret) to authenticate introspection. */
function createOAuth2AdapterFromOptions(options: AdapterOptions = {}): ProviderAdapter {
  const { readAdminSecret } = options;
  return createOAuth2Adapter({
    ...(options.http ? { http: options.http } : {}),
    ...(readAdminSecret
      ? {
          readClientSecret: async (ctx) => {
            if (!ctx.adminSecret) throw new Error(`token ${ctx.name} has no adminSecret holding its client secret`);
            return readAdminSecret(ctx.adminSecret);
          },
        }
      : {}),
  });
}

/**
 * Every provider's factory, by name. The rotation Lambdas bundle only the adapter they need by
 * importing its factory directly; the probe and the CLI look adapters up here.
 */
export const ADAPTER_FACTORIES: Readonly<Partial<Record<ProviderName, AdapterFactory>>> = {
  'oauth2-client-credentials': createOAuth2AdapterFromOptions,
  gitlab: createGitlabAdapter,
  'github-app': createGithubAppAdapter,
  'github-pat': createGithubPatAdapter,
  datadog: createDatadogAdapter,
  sendgrid: createSendgridAdapter,
  twilio: createTwilioAdapter,
  stripe: createStripeAdapter,
  slack: createSlackAdapter,
  http: createHttpAdapter,
};

/**
 * The adapter for `provider`.
 * @throws AdapterNotRegisteredError for a provider without a registered factory
 */
export function adapterFor(provider: ProviderName, options?: AdapterOptions): ProviderAdapter {
  const factory = ADAPTER_FACTORIES[provider];
  if (factory === undefined) throw new AdapterNotRegisteredError(provider);
  return factory(options);
}
