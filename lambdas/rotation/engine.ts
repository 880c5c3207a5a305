import {
  type DescribeSecretCommandOutput,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import type { Inventory, TokenSpec } from '../../lib/inventory/schema';
import { PROVIDERS, type ProviderName } from '../providers/catalog';
import { tokenContext as contextOf } from '../providers/context';
import type { ProviderAdapter, TokenContext, VerifyResult } from '../providers/types';
import { ProviderUnavailableError, SecretValueError, TokenInvalidError } from '../shared/errors';
import type { Log } from '../shared/logger';
import { TAG, secretNameFor } from '../shared/names';
import { parseSecretValue, serializeSecretValue, type TokenSecretValue } from '../shared/secret-value';
import { parseEntries, removeEntry, type SecretsSend, upsertEntry, writeEntries } from './pending-revocation';
import { revokeDueForSecret } from './revoke';

/**
 * The rotation engine: Secrets Manager's four-step contract for API tokens, ported from the official
 * Python template (aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRotationTemplate/
 * lambda_function.py; rotation-facts.md §1.3), with the provider as an injected adapter.
 *
 * Token lifecycle (rotation-facts.md §1.4): the new token is minted once in createSecret and stored as
 * AWSPENDING before anything else can fail; setSecret and testSecret are re-runnable; the old token is
 * revoked only after finishSecret, once its grace period is over (revoke.ts).
 *
 * Crash safety of the pending token: createSecret first records the new version in the
 * pending-revocation tag (an "intent" entry) and only then asks the provider for a token. If the rotation
 * is later abandoned (CancelRotateSecret strips AWSPENDING), the orphaned token is still revoked by the
 * sweep after its grace period; if it became AWSCURRENT the sweep never touches it.
 *
 * Providers whose rotate call revokes the old token at once (GitLab self-rotate, catalog
 * `rotateRevokesOld`): rotate and PutSecretValue run back to back in createSecret. A retry finds the
 * pending value and stops; a current token found invalid with no pending value fails with a re-seed
 * message and rotate is never called again, because rotating a revoked GitLab token revokes the whole
 * token family (https://docs.gitlab.com/api/personal_access_tokens/#rotate-a-personal-access-token).
 * REMAINING CRASH WINDOW: if the Lambda dies (timeout, OOM) or PutSecretValue fails after GitLab answered
 * the rotate call but before the new value is stored, the new token is lost and the old one is already
 * revoked: the secret holds a dead token and must be re-seeded with `tokenwarden put`. The window is one
 * HTTP answer plus one PutSecretValue call; it cannot be closed because GitLab's rotate has no
 * idempotency key and no way to read a token's value again.
 * SECOND HAZARD (found by the property test): cancelling a GitLab rotation (CancelRotateSecret) after its
 * createSecret succeeded strands the only live token in a version without labels; AWSCURRENT then holds
 * the revoked old token. Do not cancel such a rotation: let Secrets Manager retry it, or re-seed.
 * For other providers the same window (answer lost before PutSecretValue) leaves one unrecorded token at
 * the provider. None of the supported providers deduplicates a create request, so nothing gets it back:
 * a Datadog, SendGrid or Twilio key issued that way carries the version id's first 8 characters in its
 * name (so an operator can find and delete it) and lives until deleted; an OAuth 2.0 access token lives
 * until its own expiry.
 */

/** The rotation event, with the newer RotationToken that @types/aws-lambda lacks (rotation-facts §1.1). */
export interface RotationEvent extends SecretsManagerRotationEvent {
  readonly RotationToken?: string;
}

/** How testSecret retries: new tokens can take time to work (Auth0 ~30 s, rotation-facts §1.6). */
export interface TestRetry {
  /** Verifications before giving up. @default 6 */
  readonly attempts: number;
  /** Wait before the second verification; doubles each time. @default 1000 (1+2+4+8+16 = 31 s in all) */
  readonly baseDelayMs: number;
}

/** testSecret's default: six checks over about 31 s. */
export const DEFAULT_TEST_RETRY: TestRetry = { attempts: 6, baseDelayMs: 1000 };

/** Everything the engine talks to, injected (STYLE.md rec. 3). */
export interface RotationDeps {
  readonly secrets: SecretsSend;
  readonly adapterFor: (provider: ProviderName) => ProviderAdapter;
  /** The tokens of this Lambda's provider. */
  readonly inventory: Inventory;
  /** Reads an admin secret's value (for OAuth 2.0: the client secret). */
  readonly readAdminSecret: (secretName: string) => Promise<string>;
  readonly logger: Log;
  readonly clock: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** @default DEFAULT_TEST_RETRY */
  readonly testRetry?: TestRetry;
}

/** The four steps of Secrets Manager's rotation contract (rotation-facts.md §1.3). */
export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** The secret is not set up for rotation the way the event says (template's ValueError). */
export class RotationStateError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RotationStateError';
  }
}

/** The current token is dead and cannot be rotated; a human must store a new one. */
export class ReseedRequiredError extends Error {
  public readonly token: string;

  public constructor(token: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReseedRequiredError';
    this.token = token;
  }
}

/** Default grace period when the inventory gives none (schema default). */
export const DEFAULT_GRACE_MS = 3_600_000;

/** What the steps share about one invocation. */
interface StepContext {
  readonly secretId: string;
  readonly versionId: string;
  /** Passed on to PutSecretValue; Secrets Manager uses it to validate assumed-role callers (rotation-facts §1.1). */
  readonly rotationToken: string | undefined;
  readonly describe: DescribeSecretCommandOutput;
  readonly spec: TokenSpec;
  readonly ctx: TokenContext;
  readonly adapter: ProviderAdapter;
  readonly log: (message: string, extra?: object) => void;
}

/**
 * Runs one step of a rotation. Preamble as the template: the secret must have rotation enabled, the
 * token must be a staged version; a version already AWSCURRENT is done; otherwise it must be AWSPENDING.
 * @throws RotationStateError for a secret or version in the wrong state or an unknown step
 * @throws TokenInvalidError, ProviderUnavailableError, ReseedRequiredError from the steps
 */
export async function rotate(event: RotationEvent, deps: RotationDeps): Promise<void> {
  const { Step: step, SecretId: secretId, ClientRequestToken: versionId } = event;
  if (!secretId || !versionId || !step) {
    throw new RotationStateError('rotation event needs SecretId, ClientRequestToken and Step');
  }
  const describe = await deps.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const spec = tokenSpecFor(describe, deps.inventory);
  const base = { token: spec.name, env: deps.inventory.name, step, versionId };
  const log = (message: string, extra: object = {}) => deps.logger.info(message, { ...base, ...extra });

  if (describe.RotationEnabled === false) {
    throw new RotationStateError(`secret of token ${spec.name} is not enabled for rotation`);
  }
  const stages = describe.VersionIdsToStages?.[versionId];
  if (!stages) {
    throw new RotationStateError(`secret version ${versionId} of token ${spec.name} has no stage for rotation`);
  }
  if (stages.includes('AWSCURRENT')) {
    log('version already AWSCURRENT; nothing to do');
    return;
  }
  if (!stages.includes('AWSPENDING')) {
    throw new RotationStateError(`secret version ${versionId} of token ${spec.name} is not AWSPENDING`);
  }
  const adapter = deps.adapterFor(spec.provider);
  const sc: StepContext = {
    secretId,
    versionId,
    rotationToken: event.RotationToken,
    describe,
    spec,
    ctx: tokenContext(spec, deps.inventory),
    adapter,
    log,
  };
  switch (step as RotationStep) {
    case 'createSecret':
      return createSecret(sc, deps);
    case 'setSecret':
      return setSecret(sc, deps);
    case 'testSecret':
      return testSecret(sc, deps);
    case 'finishSecret':
      return finishSecret(sc, deps);
    default:
      throw new RotationStateError(`unknown rotation step ${JSON.stringify(step).slice(0, 40)}`);
  }
}

/** Finds the inventory entry of a secret by its tokenwarden:token tag, else by its name. */
export function tokenSpecFor(describe: DescribeSecretCommandOutput, inventory: Inventory): TokenSpec {
  const tagged = describe.Tags?.find((t) => t.Key === TAG.token)?.Value;
  const spec = inventory.tokens.find(
    (t) =>
      t.name === tagged || (describe.Name !== undefined && secretNameFor(inventory.name, t.name) === describe.Name),
  );
  if (!spec) {
    throw new RotationStateError(
      `secret ${describe.Name ?? '(unnamed)'} is not a token of this rotation function's inventory (${inventory.name})`,
    );
  }
  return spec;
}

/** The adapter's view of an inventory token. */
export function tokenContext(spec: TokenSpec, inventory: Inventory): TokenContext {
  return contextOf(inventory.name, spec);
}

/** Grace period of a token's old versions. */
export function graceMsOf(spec: TokenSpec): number {
  return spec.rotation === 'manual' ? DEFAULT_GRACE_MS : spec.rotation.gracePeriod;
}

/** Whether rotating this token revokes the old one at once (GitLab self-rotate; admin-created tokens do not). */
export function rotateRevokesOld(spec: TokenSpec): boolean {
  if (spec.provider === 'gitlab' && spec.settings['rotateWith'] === 'admin') return false;
  return PROVIDERS[spec.provider].rotateRevokesOld;
}

async function createSecret(sc: StepContext, deps: RotationDeps): Promise<void> {
  const { secretId, versionId, spec, ctx, adapter, log } = sc;
  // Old versions whose grace period is over go first, so a secret never accumulates live tokens.
  const entries = await revokeDueForSecret(secretId, sc.describe, spec, deps);

  const current = await readValue(deps, secretId, { VersionStage: 'AWSCURRENT' });
  try {
    await deps.secrets.send(
      new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId, VersionStage: 'AWSPENDING' }),
    );
    log('createSecret: pending value already stored');
    return;
  } catch (error) {
    if (!(error instanceof Error && error.name === ResourceNotFoundException.name)) throw error;
  }
  if (!adapter.issue) {
    throw new RotationStateError(`${spec.provider} cannot issue tokens; token ${spec.name} must rotate manually`);
  }
  const currentValue = current.kind === 'ok' ? current.value : undefined;
  const revokesOld = rotateRevokesOld(spec);
  if (revokesOld) {
    // Rotating a revoked GitLab token revokes its whole family: prove the current token is alive first.
    if (!currentValue) {
      throw new ReseedRequiredError(spec.name, reseedMessage(ctx, 'the secret holds no token'));
    }
    const verdict = await adapter.verify(currentValue, ctx);
    if (verdict.verdict === 'invalid') {
      log('createSecret: current token invalid and no pending value; not rotating', { reason: verdict.reason });
      throw new ReseedRequiredError(spec.name, reseedMessage(ctx, 'the current token is invalid'));
    }
    if (verdict.verdict === 'indeterminate') {
      throw new ProviderUnavailableError(
        spec.provider,
        `cannot confirm token ${spec.name} is alive before rotating: ${verdict.reason ?? 'no answer'}`,
        { status: verdict.status },
      );
    }
  } else {
    // Intent entry: if this rotation is abandoned, the sweep revokes the orphaned token after the grace period.
    const currentVersion = currentVersionOf(sc.describe);
    // No rotation is in progress but this one, so an entry on the AWSCURRENT version is a stale intent
    // entry of the rotation that made it current; drop it so it cannot shorten its future grace period.
    const cleaned = currentVersion ? removeEntry(entries, currentVersion) : entries;
    const withIntent = upsertEntry(cleaned, {
      versionId,
      revokeAfter: new Date(deps.clock().getTime() + graceMsOf(spec)),
    });
    await writeEntries(deps.secrets, secretId, entries, withIntent);
  }
  const admin = spec.adminSecret ? await deps.readAdminSecret(spec.adminSecret) : undefined;
  const issued = await adapter.issue({ ctx, current: currentValue, admin, idempotencyKey: versionId });
  // Stored at once: nothing that can fail runs between the provider's answer and this call.
  await deps.secrets.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: versionId,
      SecretString: serializeSecretValue(issued),
      VersionStages: ['AWSPENDING'],
      ...(sc.rotationToken ? { RotationToken: sc.rotationToken } : {}),
    }),
  );
  log('createSecret: new token stored as AWSPENDING', { providerTokenId: issued.providerTokenId });
}

function reseedMessage(ctx: TokenContext, why: string): string {
  return (
    `cannot rotate token ${ctx.name}: ${why} and no new token is pending; rotating again could revoke the ` +
    `whole token family, so store a fresh token with \`tokenwarden put ${ctx.env}/${ctx.name}\``
  );
}

async function setSecret(sc: StepContext, deps: RotationDeps): Promise<void> {
  // Token providers already know the token they issued; there is nothing to set. Checking that the
  // pending value parses keeps a corrupt value from reaching testSecret and finishSecret.
  await requirePending(sc, deps);
  sc.log('setSecret: provider already holds the pending token');
}

async function testSecret(sc: StepContext, deps: RotationDeps): Promise<void> {
  const pending = await requirePending(sc, deps);
  const { attempts, baseDelayMs } = deps.testRetry ?? DEFAULT_TEST_RETRY;
  let last: VerifyResult = { verdict: 'indeterminate', reason: 'not verified' };
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await deps.sleep(baseDelayMs * 2 ** (attempt - 1));
    last = await sc.adapter.verify(pending, sc.ctx);
    if (last.verdict === 'valid') {
      sc.log('testSecret: pending token valid', { attempts: attempt + 1 });
      return;
    }
  }
  sc.log('testSecret: pending token not valid', { verdict: last.verdict, reason: last.reason, attempts });
  const message = `pending token of ${sc.spec.name} is ${last.verdict} after ${attempts} checks: ${last.reason ?? 'no reason given'}`;
  if (last.verdict === 'invalid') throw new TokenInvalidError(sc.spec.provider, message, { status: last.status });
  throw new ProviderUnavailableError(sc.spec.provider, message, { status: last.status });
}

async function finishSecret(sc: StepContext, deps: RotationDeps): Promise<void> {
  const { secretId, versionId, spec, log } = sc;
  const describe = await deps.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  const currentVersion = currentVersionOf(describe);
  if (currentVersion === versionId) {
    log('finishSecret: version already AWSCURRENT');
    return;
  }
  const entries = parseEntries(tagValue(describe));
  let next = entries;
  if (currentVersion && !rotateRevokesOld(spec)) {
    // Recorded before the label moves: the preamble returns early once this version is AWSCURRENT, so a
    // crash after the move would otherwise forget the old token. The sweep never revokes AWSCURRENT.
    next = upsertEntry(entries, {
      versionId: currentVersion,
      revokeAfter: new Date(deps.clock().getTime() + graceMsOf(spec)),
    });
    await writeEntries(deps.secrets, secretId, entries, next);
  }
  await deps.secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: versionId,
      RemoveFromVersionId: currentVersion,
    }),
  );
  log('finishSecret: AWSCURRENT moved', { previousVersionId: currentVersion });
  // The intent entry of the new current version is no longer needed (a crash here leaves it; the next
  // createSecret drops it and the sweep never revokes AWSCURRENT).
  await writeEntries(deps.secrets, secretId, next, removeEntry(next, versionId));
}

async function requirePending(sc: StepContext, deps: RotationDeps): Promise<TokenSecretValue> {
  const pending = await readValue(deps, sc.secretId, { VersionId: sc.versionId, VersionStage: 'AWSPENDING' });
  if (pending.kind !== 'ok') {
    throw new SecretValueError(
      `pending value of token ${sc.spec.name} is ${pending.kind === 'missing' ? 'missing' : `malformed: ${pending.reason}`}`,
    );
  }
  return pending.value;
}

async function readValue(
  deps: RotationDeps,
  secretId: string,
  which: { VersionId?: string; VersionStage?: string },
): Promise<ReturnType<typeof parseSecretValue>> {
  const out = await deps.secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...which }));
  return parseSecretValue(out.SecretString);
}

/** The version id holding AWSCURRENT, from a DescribeSecret answer. */
export function currentVersionOf(describe: DescribeSecretCommandOutput): string | undefined {
  return Object.entries(describe.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
}

function tagValue(describe: DescribeSecretCommandOutput): string | undefined {
  return describe.Tags?.find((t) => t.Key === TAG.pendingRevocation)?.Value;
}
