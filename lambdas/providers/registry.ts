import type { AdapterOptions } from './adapter-kit';
import type { ProviderName } from './catalog';
import { createDatadogAdapter } from './datadog';
import { createGithubAppAdapter } from './github-app';
import { createGithubPatAdapter } from './github-pat';
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

/**
 * Every provider's factory, by name. The rotation Lambdas bundle only the adapter they need by
 * importing its factory directly; the probe and the CLI look adapters up here.
 */
export const ADAPTER_FACTORIES: Readonly<Partial<Record<ProviderName, AdapterFactory>>> = {
  // TODO(coordinator): register gitlab and oauth2 (createGitlabAdapter from './gitlab',
  // createOAuth2Adapter from './oauth2-client-credentials') once those files are merged.
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
