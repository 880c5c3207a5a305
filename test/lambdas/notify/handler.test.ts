import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { EVENT_SOURCE } from '../../../lambdas/shared/names';
import { gitlabToken, inventoryOf } from '../probe/fakes';

describe('notify handler', () => {
  const sns = mockClient(SNSClient);
  afterAll(() => {
    sns.restore();
  });

  it('publishes to the topic from ALERT_TOPIC_ARN and rethrows an SNS failure', async () => {
    // Prepare: no Slack webhook configured, SNS only.
    process.env.TOKENWARDEN_INVENTORY = JSON.stringify(inventoryOf([gitlabToken('gitlab-ci')]));
    process.env.ALERT_TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:tokenwarden-qa-alerts';
    sns.on(PublishCommand).resolvesOnce({ MessageId: 'm' }).rejectsOnce(new Error('throttled'));
    const { handler } = await import('../../../lambdas/notify/handler');
    const event = (id: string) => ({
      id,
      source: EVENT_SOURCE,
      'detail-type': 'Token Health Changed',
      detail: {
        token: 'gitlab-ci',
        env: 'qa',
        provider: 'gitlab',
        owner: '@qa-platform',
        previous: 'ok',
        previousSeverity: 'ok',
        current: 'missing',
        severity: 'critical',
        reasons: ['no value seeded yet'],
        expiresAt: null,
        daysLeft: null,
        runbook: null,
        secretArn: 'arn',
        healing: false,
        manual: false,
        checkedAt: '2026-11-23T08:00:00Z',
        since: '2026-11-23T08:00:00Z',
      },
    });

    // Act + Assess
    await expect(handler(event('a'))).resolves.toMatchObject({ outcome: 'sent', slack: 'not-configured' });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:111122223333:tokenwarden-qa-alerts',
      Message: expect.stringContaining('Fix: tokenwarden put qa/gitlab-ci'),
    });
    await expect(handler(event('b'))).rejects.toThrow('throttled');
  });
});
