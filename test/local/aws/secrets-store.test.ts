import { describe, expect, it } from 'vitest';
import { AwsApiError } from '../../../local/aws/errors';
import { type RotationEvent, SecretsStore, type ServiceEvent } from '../../../local/aws/secrets-store';

const LAMBDA = 'arn:aws:lambda:eu-west-1:000000000000:function:rotate';
const DAY = 86_400_000;

/** The store on its own (no HTTP), with a clock the test moves. */
function storeWithClock() {
  let now = new Date('2026-11-23T08:00:00Z');
  const calls: RotationEvent[] = [];
  const events: ServiceEvent[] = [];
  const store: SecretsStore = new SecretsStore({
    clock: () => now,
    emit: (e) => events.push(e),
    rotationRetryDelayMs: 0,
    rotationFunctions: (arn) =>
      arn === LAMBDA
        ? async (event) => {
            calls.push(event);
            if (event.Step === 'createSecret') {
              store.putSecretValue({
                SecretId: event.SecretId,
                ClientRequestToken: event.ClientRequestToken,
                SecretString: 'next',
                VersionStages: ['AWSPENDING'],
              });
            }
            if (event.Step === 'finishSecret') {
              const current = Object.entries(
                store.describeSecret({ SecretId: event.SecretId }).VersionIdsToStages ?? {},
              ).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
              store.updateSecretVersionStage({
                SecretId: event.SecretId,
                VersionStage: 'AWSCURRENT',
                MoveToVersionId: event.ClientRequestToken,
                RemoveFromVersionId: current,
              });
            }
          }
        : undefined,
  });
  return {
    store,
    calls,
    events,
    advance: (ms: number) => {
      now = new Date(now.getTime() + ms);
    },
  };
}

describe('SecretsStore', () => {
  describe('rotateDue', () => {
    it('starts the rotation of a secret whose NextRotationDate has passed, and only then', async () => {
      const { store, calls, advance } = storeWithClock();
      const { ARN } = store.createSecret({ Name: 'due', SecretString: 'v1' });
      store.rotateSecret({ SecretId: 'due', RotationLambdaARN: LAMBDA, RotationRules: { AutomaticallyAfterDays: 7 } });
      await store.waitForRotations();
      expect(calls).toHaveLength(4);
      expect(store.rotateDue()).toEqual([]);
      advance(7 * DAY);
      expect(store.rotateDue()).toEqual([ARN]);
      await store.waitForRotations();
      expect(calls).toHaveLength(8);
      expect(store.getSecretValue({ SecretId: 'due' }).SecretString).toBe('next');
    });
  });

  it('counts a manual AWSCURRENT update as a rotation for NextRotationDate', async () => {
    const { store, advance } = storeWithClock();
    store.createSecret({ Name: 'manual', SecretString: 'v1' });
    store.rotateSecret({ SecretId: 'manual', RotationLambdaARN: LAMBDA, RotationRules: { AutomaticallyAfterDays: 7 } });
    await store.waitForRotations();
    const rotatedAt = store.describeSecret({ SecretId: 'manual' }).LastRotatedDate!;
    advance(3 * DAY);
    store.putSecretValue({ SecretId: 'manual', SecretString: 'by hand' });
    expect(store.describeSecret({ SecretId: 'manual' }).NextRotationDate).toEqual(
      new Date(rotatedAt.getTime() + 10 * DAY),
    );
  });

  describe('deleteSecret', () => {
    it('deletes for good once the recovery window has passed', () => {
      const { store, advance } = storeWithClock();
      store.createSecret({ Name: 'window', SecretString: 'x' });
      store.deleteSecret({ SecretId: 'window', RecoveryWindowInDays: 7 });
      advance(6 * DAY);
      expect(store.describeSecret({ SecretId: 'window' }).DeletedDate).toBeDefined();
      advance(DAY);
      expect(() => store.describeSecret({ SecretId: 'window' })).toThrow(AwsApiError);
      expect(store.createSecret({ Name: 'window', SecretString: 'again' }).Name).toBe('window');
    });

    it('rejects a recovery window outside 7-30 days', () => {
      const { store } = storeWithClock();
      store.createSecret({ Name: 'w', SecretString: 'x' });
      expect(() => store.deleteSecret({ SecretId: 'w', RecoveryWindowInDays: 6 })).toThrow(/between 7 and 30/);
    });
  });

  describe('version limit', () => {
    it('drops unlabelled versions older than a day once past 100 versions, never labelled ones', () => {
      const { store, advance } = storeWithClock();
      const first = store.createSecret({ Name: 'many', SecretString: 'v0' });
      for (let i = 1; i <= 100; i++) store.putSecretValue({ SecretId: 'many', SecretString: `v${i}` });
      const versions = () => store.snapshot().find((x) => x.name === 'many')?.versions ?? [];
      // 101 versions, but none is older than a day yet: nothing may go.
      expect(versions()).toHaveLength(101);
      advance(2 * DAY);
      store.putSecretValue({ SecretId: 'many', SecretString: 'v101' });
      expect(versions()).toHaveLength(100);
      const all = store.listSecretVersionIds({ SecretId: 'many', IncludeDeprecated: true }).Versions ?? [];
      expect(all.map((v) => v.VersionId)).not.toContain(first.VersionId);
      expect(all.filter((v) => (v.VersionStages ?? []).length > 0)).toHaveLength(2);
    });
  });

  it('emits Secret Label Updated for custom labels too, but not for AWSPENDING', () => {
    const { store, events } = storeWithClock();
    store.createSecret({ Name: 'custom', SecretString: 'v1' });
    events.length = 0;
    store.putSecretValue({ SecretId: 'custom', SecretString: 'v2', VersionStages: ['AWSPENDING'] });
    store.putSecretValue({ SecretId: 'custom', SecretString: 'v3', VersionStages: ['blue'] });
    expect(events.map((e) => e.detail.labelUpdated)).toEqual(['blue']);
  });
});
