import * as z from 'zod';
import type { ProviderName } from './catalog';

/**
 * Per-provider `settings:` of an inventory token. Every provider takes a `baseUrl`, so a token can
 * point at a self-hosted instance, a regional endpoint or the local stand-in on 127.0.0.1.
 */
const url = (what: string) => z.url({ error: `expected ${what} as an http(s) URL` });

export const PROVIDER_SETTINGS = {
  'oauth2-client-credentials': z.strictObject({
    tokenUrl: url('the token endpoint (RFC 6749 §4.4)'),
    introspectionUrl: url('the introspection endpoint (RFC 7662)'),
    revocationUrl: url('the revocation endpoint (RFC 7009)').optional(),
    clientId: z.string({ error: 'expected the OAuth client id' }).min(1),
  }),
  gitlab: z.strictObject({
    baseUrl: url('the GitLab base URL').default('https://gitlab.com'),
    tokenType: z
      .enum(['personal', 'project', 'group'], { error: 'expected personal, project or group' })
      .default('personal'),
    projectId: z.union([z.string(), z.number()]).optional(),
    groupId: z.union([z.string(), z.number()]).optional(),
    /**
     * `self`: the token rotates itself (POST .../self/rotate), which revokes the old token at once.
     * `admin`: an admin token creates a new token and the old one is revoked after the grace period.
     */
    rotateWith: z.enum(['self', 'admin'], { error: 'expected self or admin' }).default('self'),
  }),
  'github-app': z.strictObject({
    baseUrl: url('the GitHub API URL').default('https://api.github.com'),
    appId: z.union([z.string(), z.number()], { error: 'expected the GitHub App id' }),
    installationId: z.union([z.string(), z.number()], { error: 'expected the installation id' }),
  }),
  'github-pat': z.strictObject({
    baseUrl: url('the GitHub API URL').default('https://api.github.com'),
  }),
  datadog: z.strictObject({
    baseUrl: url('the Datadog site API URL, e.g. https://api.datadoghq.eu').default('https://api.datadoghq.com'),
    keyType: z.enum(['api', 'application'], { error: 'expected api or application' }).default('api'),
  }),
  sendgrid: z.strictObject({
    baseUrl: url('the SendGrid API URL (EU: https://api.eu.sendgrid.com)').default('https://api.sendgrid.com'),
  }),
  twilio: z.strictObject({
    baseUrl: url('the Twilio API URL').default('https://api.twilio.com'),
    accountSid: z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, { error: 'expected an account SID: AC followed by 32 hex digits' }),
  }),
  stripe: z.strictObject({
    baseUrl: url('the Stripe API URL').default('https://api.stripe.com'),
  }),
  slack: z.strictObject({
    baseUrl: url('the Slack Web API URL').default('https://slack.com/api'),
  }),
  http: z.strictObject({
    method: z.enum(['GET', 'POST', 'HEAD'], { error: 'expected GET, POST or HEAD' }).default('GET'),
    url: url('the URL to verify the token against'),
    /** Header values may contain `{{token}}`, replaced by the token at request time. */
    headers: z.record(z.string(), z.string()).default({ Authorization: 'Bearer {{token}}' }),
    validStatus: z.array(z.number().int()).default([200]),
    invalidStatus: z.array(z.number().int()).default([401, 403]),
    /** Dotted path into the JSON body holding an expiry (ISO date or epoch seconds). */
    expiryJsonPath: z.string().optional(),
  }),
} as const satisfies Record<ProviderName, z.ZodType>;

export type ProviderSettings = { [P in ProviderName]: z.output<(typeof PROVIDER_SETTINGS)[P]> };

/** Parses a token's settings for its provider (defaults applied); throws a ZodError when they are wrong. */
export function parseProviderSettings<P extends ProviderName>(provider: P, settings: unknown): ProviderSettings[P] {
  return PROVIDER_SETTINGS[provider].parse(settings ?? {}) as ProviderSettings[P];
}
