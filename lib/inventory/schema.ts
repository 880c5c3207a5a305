import { z } from 'zod';
import { PROVIDER_NAMES, PROVIDERS, type ProviderName, canIssue, scopeProblem } from '../../lambdas/providers/catalog';
import { PROVIDER_SETTINGS } from '../../lambdas/providers/settings';
import { DURATION_HELP, formatDuration, parseDuration } from './duration';
import { closest } from './suggest';

/**
 * The inventory: one YAML file per environment (= one AWS account and region), the single list of
 * every token tokenwarden manages there. This zod schema is the one definition; the TypeScript
 * types below are inferred from it.
 */

/** Secrets Manager rotates at most every 4 hours and at least every 1000 days (rotation-facts §1.7). */
export const MIN_ROTATION_MS = 4 * 3_600_000;
export const MAX_ROTATION_MS = 1000 * 86_400_000;

const duration = (what: string) =>
  z
    .string({ error: `expected ${what} as ${DURATION_HELP}` })
    .refine((text) => parseDuration(text) !== undefined, { error: `expected ${what} as ${DURATION_HELP}` })
    .transform((text) => parseDuration(text) as number);

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const name = (what: string) =>
  z.string({ error: `expected ${what}` }).regex(NAME, {
    error: `expected ${what} of lowercase letters, digits and dashes (at most 63 characters)`,
  });

const secretName = z
  .string({ error: 'expected a Secrets Manager secret name' })
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'expected a Secrets Manager secret name (letters, digits, /_+=.@-)' });

const isoDate = z
  .string({ error: 'expected an ISO date like 2027-03-01 (quote it)' })
  .refine((text) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text) && !Number.isNaN(Date.parse(text)), {
    error: 'expected an ISO date like 2027-03-01 or 2027-03-01T12:00:00Z',
  });

export const RotationSchema = z.union(
  [
    z.literal('manual'),
    z.strictObject({
      every: duration('the rotation interval')
        .refine((ms) => ms >= MIN_ROTATION_MS, {
          error: (issue) =>
            `rotates more often than Secrets Manager allows (got ${formatDuration(Number(issue.input))}): the minimum interval is 4h`,
        })
        .refine((ms) => ms <= MAX_ROTATION_MS, {
          error: (issue) =>
            `rotates less often than Secrets Manager allows (got ${formatDuration(Number(issue.input))}): the maximum interval is 1000d`,
        }),
      /** How long the previous token keeps working after a rotation, for CI jobs that already fetched it. */
      gracePeriod: duration('the grace period').default(3_600_000),
    }),
  ],
  { error: 'expected "manual" or { every: <duration>, gracePeriod: <duration> }' },
);

export const TokenSchema = z.strictObject({
  name: name('a token name'),
  provider: z.enum(PROVIDER_NAMES, {
    error: (issue) => {
      const suggestion = typeof issue.input === 'string' ? closest(issue.input, PROVIDER_NAMES) : undefined;
      const list = `expected one of the providers: ${PROVIDER_NAMES.join(', ')}`;
      return suggestion ? `unknown provider "${String(issue.input)}"; did you mean "${suggestion}"? ${list}` : list;
    },
  }),
  owner: z.string({ error: 'expected the owning team or Slack handle, e.g. "@qa-platform"' }).min(1),
  description: z.string().optional(),
  scopes: z.array(z.string({ error: 'expected a scope name' })).default([]),
  rotation: RotationSchema,
  /** Declared expiry, for providers that do not report one. */
  expiresAt: isoDate.optional(),
  runbook: z.url({ error: 'expected the runbook as an http(s) URL' }).optional(),
  /** Provider settings; checked per provider below. */
  settings: z.record(z.string(), z.unknown(), { error: 'expected a map of provider settings' }).default({}),
  /** Secret holding the elevated credential the provider needs to issue tokens. */
  adminSecret: secretName.optional(),
  /** Environment variable `tokenwarden exec` puts the value in. @default NAME_IN_CAPS_TOKEN */
  envVar: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'expected an environment variable name like GITLAB_CI_TOKEN' })
    .optional(),
});

const githubSub = z
  .strictObject({
    /** owner/repo */
    repos: z.array(z.string().regex(/^[\w.-]+\/[\w.-]+$/, { error: 'expected owner/repo, e.g. acme/web-app' })).min(1),
    branches: z.array(z.string().min(1)).default([]),
    environments: z.array(z.string().min(1)).default([]),
  })
  // An empty list would trust every branch and pull request of the repos: the role must be pinned.
  .refine((g) => g.branches.length + g.environments.length > 0, {
    error: 'list at least one branch or environment the role trusts (e.g. branches: [main]); any ref is never trusted',
  });

const gitlabSub = z.strictObject({
  /** Issuer of the CI ID tokens. @default https://gitlab.com */
  issuer: z.url().default('https://gitlab.com'),
  projects: z
    .array(z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, { error: 'expected a project path like group/project' }))
    .min(1),
  refs: z
    .array(z.string().min(1), { error: 'expected the branches the role trusts, e.g. refs: [main]' })
    .min(1, { error: 'list at least one branch the role trusts (e.g. refs: [main]); any ref is never trusted' }),
});

export const CiConsumerSchema = z
  .strictObject({
    name: name('a CI consumer name'),
    tokens: z.array(z.string({ error: 'expected a token name' })).min(1, { error: 'list at least one token' }),
    github: githubSub.optional(),
    gitlab: gitlabSub.optional(),
    /** An existing role (Jenkins, Buildkite, ...) that is granted these tokens. */
    roleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
        error: 'expected an IAM role ARN like arn:aws:iam::123456789012:role/ci-runner',
      })
      .optional(),
    /** Reuse the account's existing OIDC provider instead of creating one. */
    oidcProviderArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/.+$/, { error: 'expected an IAM OIDC provider ARN' })
      .optional(),
    maxSession: duration('the maximum session').default(3_600_000),
  })
  .superRefine((c, ctx) => {
    const given = (['github', 'gitlab', 'roleArn'] as const).filter((kind) => c[kind] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        input: c,
        message: `give exactly one of github, gitlab or roleArn (the identity CI signs in with); ${given.length === 0 ? 'none is given' : `found ${given.join(' and ')}`}`,
      });
    }
  });

export const InventorySchema = z
  .strictObject({
    name: name('the environment name'),
    account: z
      .union([z.string(), z.number()], { error: 'expected the 12-digit AWS account id (quote it)' })
      .superRefine((value, ctx) => {
        const text = String(value);
        if (/^\d{12}$/.test(text)) return;
        const got =
          typeof value === 'number'
            ? `got the number ${text} (${text.length} digits; quote it: YAML drops the leading zeros of unquoted numbers)`
            : `got ${text.length} characters`;
        ctx.addIssue({
          code: 'custom',
          input: value,
          message: `expected the 12-digit AWS account id, quoted: "123456789012"; ${got}`,
        });
      })
      .transform(String),
    region: z
      .string({ error: 'expected an AWS region like eu-west-1' })
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: 'expected an AWS region like eu-west-1' }),
    probe: z
      .strictObject({
        every: duration('the probe interval').refine((ms) => ms >= 60_000, { error: 'probe at most once a minute' }),
        /** Consecutive indeterminate runs before an alert. */
        indeterminateAlertAfter: z.number().int().min(1).default(3),
        concurrency: z.number().int().min(1).max(200).default(50),
      })
      .default({ every: 900_000, indeterminateAlertAfter: 3, concurrency: 50 }),
    expiry: z
      .strictObject({
        warnBefore: duration('the expiry warning threshold').default(14 * 86_400_000),
        criticalBefore: duration('the critical expiry threshold').default(3 * 86_400_000),
        /** Rotate a rotatable token this long before expiry. @default half of warnBefore */
        healBefore: duration('the self-healing window').optional(),
      })
      .default({ warnBefore: 14 * 86_400_000, criticalBefore: 3 * 86_400_000 }),
    alerts: z
      .strictObject({
        emails: z.array(z.email({ error: 'expected an email address' })).default([]),
        /** Name of the secret holding the Slack webhook URL; never the URL itself. */
        slackWebhookSecret: secretName.optional(),
      })
      .default({ emails: [] }),
    ci: z.array(CiConsumerSchema).default([]),
    tokens: z
      .array(TokenSchema, { error: 'expected a list of tokens, each item starting with "- name:"' })
      .min(1, { error: 'declare at least one token' }),
  })
  // Validated: apply each provider's defaults (baseUrl, ...) so readers see the effective settings.
  .transform((inv) => ({
    ...inv,
    tokens: inv.tokens.map((t) => {
      // Wrong settings are reported by crossFieldIssues; keep them as written here.
      const parsed = PROVIDER_SETTINGS[t.provider].safeParse(t.settings);
      return { ...t, settings: (parsed.success ? parsed.data : t.settings) as Record<string, unknown> };
    }),
  }));

/** A problem found by the cross-field checks, located by its path in the document. */
export interface CrossFieldIssue {
  readonly path: (string | number)[];
  readonly message: string;
  /** Point at the key of `path` rather than its value (unknown keys). */
  readonly atKey?: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Checks that span fields (duplicate names, CI consumers naming unknown tokens, scopes and settings
 * per provider, rotation a provider cannot do). They run on the raw document, even when other fields
 * are malformed, so a file's problems are all reported at once.
 */
export function crossFieldIssues(raw: unknown): CrossFieldIssue[] {
  const issues: CrossFieldIssue[] = [];
  if (!isRecord(raw)) return issues;
  const tokens = new Map<string, number>();
  list(raw['tokens']).forEach((token, i) => {
    if (!isRecord(token)) return;
    const tokenName = token['name'];
    if (typeof tokenName === 'string') {
      const first = tokens.get(tokenName);
      if (first !== undefined) {
        issues.push({
          path: ['tokens', i, 'name'],
          message: `duplicate token name "${tokenName}" (first declared at tokens[${first}]); token names must be unique`,
        });
      } else {
        tokens.set(tokenName, i);
      }
    }
    issues.push(...tokenIssues(token, i));
  });
  const expiry = raw['expiry'];
  if (isRecord(expiry)) {
    const warn = parseDuration(String(expiry['warnBefore'] ?? '14d'));
    const critical = parseDuration(String(expiry['criticalBefore'] ?? '3d'));
    if (warn !== undefined && critical !== undefined && critical >= warn) {
      issues.push({
        path: ['expiry', 'criticalBefore'],
        message: `must be shorter than warnBefore (got criticalBefore ${formatDuration(critical)}, warnBefore ${formatDuration(warn)}): a token turns critical after it has been a warning`,
      });
    }
  }
  const consumers = new Set<string>();
  list(raw['ci']).forEach((consumer, i) => {
    if (!isRecord(consumer)) return;
    const consumerName = String(consumer['name']);
    if (consumers.has(consumerName)) {
      issues.push({ path: ['ci', i, 'name'], message: `duplicate CI consumer "${consumerName}"` });
    }
    consumers.add(consumerName);
    list(consumer['tokens']).forEach((tokenName, j) => {
      if (typeof tokenName === 'string' && !tokens.has(tokenName)) {
        issues.push({
          path: ['ci', i, 'tokens', j],
          message: `CI consumer "${consumerName}" names token "${tokenName}", which is not declared under tokens; declared: ${[...tokens.keys()].join(', ')}`,
        });
      }
    });
  });
  return issues;
}

function tokenIssues(token: Record<string, unknown>, i: number): CrossFieldIssue[] {
  const provider = token['provider'];
  if (typeof provider !== 'string' || !(PROVIDER_NAMES as readonly string[]).includes(provider)) return [];
  const name = provider as ProviderName;
  const issues: CrossFieldIssue[] = [];
  const scopeRule = PROVIDERS[name].scopes;
  list(token['scopes']).forEach((scope, j) => {
    const problem = typeof scope === 'string' ? scopeProblem(name, scope) : undefined;
    if (!problem) return;
    const suggestion = scopeRule.kind === 'list' ? closest(String(scope), scopeRule.values) : undefined;
    issues.push({
      path: ['tokens', i, 'scopes', j],
      message: suggestion ? `${name} has no scope "${String(scope)}"; did you mean "${suggestion}"?` : problem,
    });
  });
  const settingsSchema = PROVIDER_SETTINGS[name];
  // Settings that are not a map at all are reported by the schema ("expected a map of provider settings").
  const rawSettings = token['settings'] ?? {};
  const settings = isRecord(rawSettings) ? settingsSchema.safeParse(rawSettings) : undefined;
  if (settings && !settings.success && isRecord(rawSettings)) {
    const known = Object.keys(settingsSchema.shape);
    for (const issue of settings.error.issues) {
      const path = ['tokens', i, 'settings', ...(issue.path as (string | number)[])];
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          const suggestion = closest(key, known);
          issues.push({
            path: [...path, key],
            atKey: true,
            message: `unknown setting "${key}" for ${name}; ${suggestion ? `did you mean "${suggestion}"? ` : ''}${name} settings: ${known.join(', ')}`,
          });
        }
      } else {
        issues.push({ path, message: settingsMessage(issue, rawSettings) });
      }
    }
  }
  if (token['rotation'] !== undefined && token['rotation'] !== 'manual') {
    if (!canIssue(name)) {
      issues.push({
        path: ['tokens', i, 'rotation'],
        message: `${name} has no API to issue tokens, so it cannot rotate automatically; write rotation: manual`,
      });
    } else if (needsAdminSecret(name, token['settings']) && token['adminSecret'] === undefined) {
      issues.push({
        path: ['tokens', i, 'provider'],
        message: `${name} needs an admin credential to issue tokens; add adminSecret: <secret name>`,
      });
    }
  }
  return issues;
}

/** zod leaves `input` out of reported issues, so "missing" is decided from the settings as written. */
function settingsMessage(issue: z.core.$ZodIssue, settings: Record<string, unknown>): string {
  const key = issue.path[0];
  const missing = issue.path.length === 1 && typeof key === 'string' && settings[key] === undefined;
  // zod's own wording ("Invalid input: expected string, received undefined") says less than "is required".
  const generic = issue.message.startsWith('Invalid input');
  if (missing) return generic ? 'is required' : `is required: ${issue.message}`;
  return issue.message;
}

function needsAdminSecret(provider: ProviderName, settings: unknown): boolean {
  if (provider === 'gitlab') return isRecord(settings) && settings['rotateWith'] === 'admin';
  return PROVIDERS[provider].needsAdminSecret;
}

export type Inventory = z.output<typeof InventorySchema>;
export type TokenSpec = Inventory['tokens'][number];
export type CiConsumer = Inventory['ci'][number];
export type Rotation = TokenSpec['rotation'];

/** Every key the schema knows, for "did you mean" suggestions on typos. */
export const KNOWN_KEYS: readonly string[] = [
  'name',
  'account',
  'region',
  'probe',
  'expiry',
  'alerts',
  'ci',
  'tokens',
  'every',
  'indeterminateAlertAfter',
  'concurrency',
  'warnBefore',
  'criticalBefore',
  'healBefore',
  'emails',
  'slackWebhookSecret',
  'github',
  'gitlab',
  'roleArn',
  'oidcProviderArn',
  'maxSession',
  'repos',
  'branches',
  'environments',
  'issuer',
  'projects',
  'refs',
  ...Object.keys(TokenSchema.shape),
  'gracePeriod',
  ...new Set(Object.values(PROVIDER_SETTINGS).flatMap((s) => Object.keys(s.shape))),
];

/** The environment variable `exec` uses for a token: `gitlab-ci` → `GITLAB_CI_TOKEN`, unless overridden. */
export function envVarFor(token: Pick<TokenSpec, 'name' | 'envVar'>): string {
  return token.envVar ?? `${token.name.replace(/-/g, '_').toUpperCase()}_TOKEN`;
}

/** Days-or-hours rotation interval as Secrets Manager's schedule expression. */
export function rotationExpression(rotation: Rotation): string | undefined {
  if (rotation === 'manual') return undefined;
  const hours = rotation.every / 3_600_000;
  return hours % 24 === 0 ? `rate(${hours / 24} days)` : `rate(${hours} hours)`;
}
