/**
 * What tokenwarden knows about each provider before talking to it: what it can do and which scopes
 * it understands. Pure data, shared by the inventory validator (lib/), the Lambdas and the CLI, so a
 * provider's capabilities are declared in exactly one place. Facts: ../shared/design/PROVIDERS.md.
 */

export const PROVIDER_NAMES = [
  'oauth2-client-credentials',
  'gitlab',
  'github-app',
  'github-pat',
  'datadog',
  'sendgrid',
  'twilio',
  'stripe',
  'slack',
  'http',
] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** What an adapter can do. `issue` implies automatic rotation is possible. */
export type Capability = 'verify' | 'issue' | 'revoke' | 'mintOnRead';

/** How the provider names scopes, so the inventory can reject a scope the provider does not know. */
export type ScopeRule =
  | { readonly kind: 'list'; readonly values: readonly string[] }
  | { readonly kind: 'pattern'; readonly pattern: RegExp; readonly example: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'any' };

export interface ProviderInfo {
  readonly name: ProviderName;
  readonly capabilities: readonly Capability[];
  readonly scopes: ScopeRule;
  /** Issuing needs an elevated credential kept in its own secret (PROVIDERS.md rule 6). */
  readonly needsAdminSecret: boolean;
  /** Rotating revokes the old token at once (GitLab's rotate API): no grace period is possible. */
  readonly rotateRevokesOld: boolean;
}

// https://docs.gitlab.com/user/profile/personal_access_tokens/#personal-access-token-scopes
const GITLAB_SCOPES = [
  'api',
  'read_api',
  'read_user',
  'create_runner',
  'manage_runner',
  'k8s_proxy',
  'read_repository',
  'write_repository',
  'read_registry',
  'write_registry',
  'read_virtual_registry',
  'write_virtual_registry',
  'ai_features',
  'self_rotate',
  'read_service_ping',
  'sudo',
  'admin_mode',
];

// https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
const GITHUB_CLASSIC_SCOPES = [
  'repo',
  'repo:status',
  'repo_deployment',
  'public_repo',
  'repo:invite',
  'security_events',
  'admin:repo_hook',
  'write:repo_hook',
  'read:repo_hook',
  'admin:org',
  'write:org',
  'read:org',
  'admin:public_key',
  'write:public_key',
  'read:public_key',
  'admin:org_hook',
  'gist',
  'notifications',
  'user',
  'read:user',
  'user:email',
  'user:follow',
  'project',
  'read:project',
  'delete_repo',
  'write:packages',
  'read:packages',
  'delete:packages',
  'admin:gpg_key',
  'write:gpg_key',
  'read:gpg_key',
  'codespace',
  'workflow',
];

// https://www.twilio.com/docs/sendgrid/api-reference/api-key-permissions
const SENDGRID_SCOPES = [
  'mail.send',
  'mail.batch.read',
  'alerts.read',
  'alerts.create',
  'api_keys.read',
  'asm.groups.read',
  'categories.read',
  'marketing.read',
  'messages.read',
  'scheduled_sends.read',
  'stats.read',
  'suppression.read',
  'templates.read',
  'templates.create',
  'templates.update',
  'templates.delete',
  'templates.versions.read',
  'tracking_settings.read',
  'user.profile.read',
  'user.webhooks.event.settings.read',
  'whitelabel.read',
];

// https://docs.datadoghq.com/account_management/rbac/permissions/ (application key scopes)
const DATADOG_SCOPES = [
  'dashboards_read',
  'dashboards_write',
  'monitors_read',
  'monitors_write',
  'metrics_read',
  'timeseries_query',
  'events_read',
  'logs_read_data',
  'logs_read_index_data',
  'synthetics_read',
  'synthetics_write',
  'incident_read',
  'apm_read',
  'user_access_read',
  'api_keys_read',
  'api_keys_write',
];

export const PROVIDERS: Readonly<Record<ProviderName, ProviderInfo>> = {
  'oauth2-client-credentials': {
    name: 'oauth2-client-credentials',
    capabilities: ['verify', 'issue', 'revoke'],
    // RFC 6749 §3.3: scope tokens are server-defined; any NQCHAR string is legal.
    scopes: { kind: 'pattern', pattern: /^[\x21\x23-\x5b\x5d-\x7e]+$/, example: 'orders:read' },
    needsAdminSecret: true,
    rotateRevokesOld: false,
  },
  gitlab: {
    name: 'gitlab',
    capabilities: ['verify', 'issue', 'revoke'],
    scopes: { kind: 'list', values: GITLAB_SCOPES },
    needsAdminSecret: false,
    rotateRevokesOld: true,
  },
  'github-app': {
    name: 'github-app',
    capabilities: ['verify', 'mintOnRead'],
    // Installation permissions are written `<permission>:<read|write|admin>`, e.g. contents:read.
    scopes: { kind: 'pattern', pattern: /^[a-z_]+:(read|write|admin)$/, example: 'contents:read' },
    needsAdminSecret: false,
    rotateRevokesOld: false,
  },
  'github-pat': {
    name: 'github-pat',
    capabilities: ['verify'],
    scopes: { kind: 'list', values: GITHUB_CLASSIC_SCOPES },
    needsAdminSecret: false,
    rotateRevokesOld: false,
  },
  datadog: {
    name: 'datadog',
    capabilities: ['verify', 'issue', 'revoke'],
    scopes: { kind: 'list', values: DATADOG_SCOPES },
    needsAdminSecret: true,
    rotateRevokesOld: false,
  },
  sendgrid: {
    name: 'sendgrid',
    capabilities: ['verify', 'issue', 'revoke'],
    scopes: { kind: 'list', values: SENDGRID_SCOPES },
    needsAdminSecret: true,
    rotateRevokesOld: false,
  },
  twilio: {
    name: 'twilio',
    capabilities: ['verify', 'issue', 'revoke'],
    scopes: { kind: 'none' },
    needsAdminSecret: true,
    rotateRevokesOld: false,
  },
  stripe: {
    name: 'stripe',
    capabilities: ['verify'],
    // Restricted keys: `<resource>:<read|write>`, e.g. charges:read.
    scopes: { kind: 'pattern', pattern: /^[a-z_.]+:(read|write)$/, example: 'charges:read' },
    needsAdminSecret: false,
    rotateRevokesOld: false,
  },
  slack: {
    name: 'slack',
    capabilities: ['verify', 'revoke'],
    scopes: { kind: 'pattern', pattern: /^[a-z_.]+(:[a-z_.]+)*$/, example: 'chat:write' },
    needsAdminSecret: false,
    rotateRevokesOld: false,
  },
  http: {
    name: 'http',
    capabilities: ['verify'],
    scopes: { kind: 'any' },
    needsAdminSecret: false,
    rotateRevokesOld: false,
  },
};

export function canIssue(provider: ProviderName): boolean {
  return PROVIDERS[provider].capabilities.includes('issue');
}

/** Returns why `scope` is not a scope of `provider`, or undefined when it is. */
export function scopeProblem(provider: ProviderName, scope: string): string | undefined {
  const rule = PROVIDERS[provider].scopes;
  switch (rule.kind) {
    case 'any':
      return undefined;
    case 'none':
      return `${provider} tokens have no scopes; remove "scopes"`;
    case 'list':
      return rule.values.includes(scope)
        ? undefined
        : `${provider} has no scope "${scope}"; known scopes: ${rule.values.join(', ')}`;
    case 'pattern':
      return rule.pattern.test(scope)
        ? undefined
        : `"${scope}" is not a ${provider} scope; write it like "${rule.example}"`;
  }
}
