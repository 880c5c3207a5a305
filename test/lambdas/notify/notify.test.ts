import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HealthEventDetail } from '../../../lambdas/health/events';
import {
  formatAlert,
  Notifier,
  type NotifyEvent,
  tokenFromSecretId,
  UnsupportedEventError,
} from '../../../lambdas/notify/notify';
import { DETAIL_TYPE, EVENT_SOURCE } from '../../../lambdas/shared/names';
import type { RunningFake } from '../../../local/providers/http-fake';
import { type SlackSink, slackPostAsText, startSlackSink } from '../../../local/slack-sink';
import { captureLog, gitlabToken, inventoryOf, stripeToken } from '../probe/fakes';

const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:tokenwarden-qa-alerts';
const ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:tokenwarden/qa/gitlab-ci-AbCdEf';
const inventory = inventoryOf([gitlabToken('gitlab-ci'), stripeToken('stripe-test')], {
  alerts: { emails: [], slackWebhookSecret: 'tokenwarden/qa/slack-webhook' },
});

function healthEvent(
  id: string,
  detail: Partial<HealthEventDetail> = {},
  type: string = DETAIL_TYPE.healthChanged,
): NotifyEvent {
  const full: HealthEventDetail = {
    token: 'gitlab-ci',
    env: 'qa',
    provider: 'gitlab',
    owner: '@qa-platform',
    previous: 'ok',
    previousSeverity: 'ok',
    current: 'invalid',
    severity: 'critical',
    reasons: ['the provider answered 401'],
    expiresAt: '2026-12-01T00:00:00.000Z',
    daysLeft: 7,
    runbook: 'https://wiki.example.com/runbooks/gitlab',
    secretArn: ARN,
    healing: false,
    manual: false,
    checkedAt: '2026-11-23T08:00:00.000Z',
    since: '2026-11-23T08:00:00.000Z',
    ...detail,
  };
  return { id, source: EVENT_SOURCE, 'detail-type': type, detail: full };
}

const rotationEvent: NotifyEvent = {
  id: 'rot-1',
  source: 'aws.secretsmanager',
  'detail-type': 'AWS Service Event via CloudTrail',
  detail: {
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'RotationFailed',
    errorMessage:
      'Error when executing lambda arn:aws:lambda:eu-west-1:111122223333:function:rot-gitlab during setSecret step',
    additionalEventData: { SecretId: ARN },
  },
};

describe('formatAlert', () => {
  it('names the token, env, owner, expiry, runbook and the rotate command for a rotatable token', () => {
    const m = formatAlert(healthEvent('e1'), inventory);
    const slack = JSON.stringify(m.slack.blocks);
    expect(m.kind).toBe('critical');
    expect(m.command).toBe('tokenwarden rotate qa/gitlab-ci');
    expect(slack).toContain('`tokenwarden rotate qa/gitlab-ci`');
    expect(slack).toContain('@qa-platform');
    expect(slack).toContain('<https://wiki.example.com/runbooks/gitlab|Runbook>');
    expect(slack).toContain('2026-12-01 (7 days left)');
    expect(slack).toContain(':red_circle:');
    expect(m.body).toContain('Fix: tokenwarden rotate qa/gitlab-ci');
    expect(m.subject).toBe('[CRITICAL] tokenwarden qa/gitlab-ci is invalid');
  });

  it('asks for a new value by hand for a manual token', () => {
    const m = formatAlert(
      healthEvent('e2', {
        token: 'stripe-test',
        provider: 'stripe',
        manual: true,
        current: 'expiring',
        severity: 'warning',
      }),
      inventory,
    );
    expect(m.kind).toBe('warning');
    expect(m.command).toBe('tokenwarden put qa/stripe-test');
    expect(JSON.stringify(m.slack.blocks)).toContain(':large_orange_circle:');
  });

  it('formats a recovery without a command', () => {
    const m = formatAlert(
      healthEvent('e3', {
        previous: 'invalid',
        previousSeverity: 'critical',
        current: 'ok',
        severity: 'ok',
        reasons: [],
      }),
      inventory,
    );
    expect(m.kind).toBe('recovery');
    expect(m.command).toBeUndefined();
    expect(m.subject).toContain('RECOVERED');
  });

  it('marks reminders and self-healing', () => {
    const m = formatAlert(healthEvent('e4', { healing: true }, DETAIL_TYPE.reminder), inventory);
    expect(m.subject).toContain('Reminder');
    expect(m.body).toContain('Self-healing');
  });

  it('names the failing step of a Secrets Manager rotation failure', () => {
    const m = formatAlert(rotationEvent, inventory);
    expect(m).toMatchObject({ kind: 'rotation-failed', env: 'qa', token: 'gitlab-ci' });
    expect(m.subject).toBe('[ROTATION FAILED] tokenwarden qa/gitlab-ci: RotationFailed in setSecret');
    expect(JSON.stringify(m.slack.blocks)).toContain('`tokenwarden rotate qa/gitlab-ci`');
    expect(m.body).toContain('@qa-platform');
  });

  it('keeps SNS subjects ASCII and under 100 characters', () => {
    const m = formatAlert(healthEvent('e5', { token: `x${'y'.repeat(200)}`, env: 'qa-é' }), inventory);
    expect(m.subject.length).toBeLessThan(100);
    expect(m.subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('escapes Slack markup in reasons', () => {
    const m = formatAlert(healthEvent('e6', { reasons: ['<!channel> & more'] }), inventory);
    expect(JSON.stringify(m.slack.blocks)).toContain('&lt;!channel&gt; &amp; more');
  });

  it('refuses events it does not know', () => {
    expect(() => formatAlert({ id: 'x', source: 'other', 'detail-type': 'Thing', detail: {} }, inventory)).toThrow(
      UnsupportedEventError,
    );
  });
});

describe('tokenFromSecretId', () => {
  it('reads env and token from an ARN with its random suffix, and from a bare name', () => {
    expect(tokenFromSecretId(ARN)).toEqual({ env: 'qa', token: 'gitlab-ci' });
    expect(tokenFromSecretId('tokenwarden/qa/stripe-test')).toEqual({ env: 'qa', token: 'stripe-test' });
    expect(tokenFromSecretId('other/secret')).toBeUndefined();
  });
});

describe('Notifier', () => {
  const snsMock = mockClient(SNSClient);
  const smMock = mockClient(SecretsManagerClient);
  let sink: SlackSink;
  let running: RunningFake;
  let webhookUrl: string;
  let log: ReturnType<typeof captureLog>;
  let metrics: { name: string; dims?: Record<string, string> }[];

  beforeAll(async () => {
    ({ sink, running, webhookUrl } = await startSlackSink(0));
  });
  afterAll(async () => {
    await running.close();
    snsMock.restore();
    smMock.restore();
  });
  beforeEach(() => {
    log = captureLog();
    metrics = [];
    sink.posts.length = 0;
    sink.kill(undefined);
    smMock
      .on(GetSecretValueCommand, { SecretId: 'tokenwarden/qa/slack-webhook' })
      .resolves({ SecretString: webhookUrl });
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });
  afterEach(() => {
    snsMock.reset();
    smMock.reset();
  });

  const notifier = (): Notifier =>
    new Notifier({
      sns: new SNSClient({}),
      secrets: new SecretsManagerClient({}),
      topicArn: TOPIC,
      inventory,
      logger: log,
      metrics: { addMetric: (name, _u, _v, dims) => metrics.push({ name, ...(dims ? { dims } : {}) }) },
    });

  it('posts Block Kit to Slack and publishes to SNS', async () => {
    const result = await notifier().notify(healthEvent('e1'));
    expect(result).toEqual({ outcome: 'sent', slack: 'sent', kind: 'critical' });
    expect(sink.posts).toHaveLength(1);
    const text = slackPostAsText(sink.posts[0]!);
    expect(text).toContain('tokenwarden rotate qa/gitlab-ci');
    expect(text).toContain('@qa-platform');
    expect(text).toContain('Runbook');
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: '[CRITICAL] tokenwarden qa/gitlab-ci is invalid',
    });
  });

  it('reads the webhook secret once per container', async () => {
    const n = notifier();
    await n.notify(healthEvent('e1'));
    await n.notify(healthEvent('e2'));
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(sink.posts).toHaveLength(2);
  });

  it('still publishes to SNS and counts a metric when the webhook is dead (404)', async () => {
    sink.kill(404);
    const result = await notifier().notify(healthEvent('e1'));
    expect(result.slack).toBe('failed');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(metrics).toContainEqual({ name: 'SlackFailures', dims: { Reason: 'dead-webhook' } });
    expect(log.lines.join('\n')).not.toContain(webhookUrl);
  });

  it('still publishes to SNS when Slack is down (503)', async () => {
    sink.kill(503);
    const result = await notifier().notify(healthEvent('e1'));
    expect(result.slack).toBe('failed');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(metrics).toContainEqual({ name: 'SlackFailures', dims: { Reason: 'unavailable' } });
  });

  it('still publishes to SNS when the webhook secret cannot be read', async () => {
    smMock.reset();
    smMock.on(GetSecretValueCommand).rejects(new Error('AccessDenied'));
    const result = await notifier().notify(healthEvent('e1'));
    expect(result.slack).toBe('failed');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('throws when SNS fails, and does not mark the event as sent', async () => {
    snsMock.on(PublishCommand).rejectsOnce(new Error('SNS down')).resolves({ MessageId: 'm-2' });
    const n = notifier();
    await expect(n.notify(healthEvent('e1'))).rejects.toThrow('SNS down');
    await expect(n.notify(healthEvent('e1'))).resolves.toMatchObject({ outcome: 'sent' });
  });

  it('does not post to Slack again when Lambda retries an event whose SNS publish failed', async () => {
    snsMock.on(PublishCommand).rejectsOnce(new Error('SNS down')).resolves({ MessageId: 'm-2' });
    const n = notifier();
    await expect(n.notify(healthEvent('e1'))).rejects.toThrow('SNS down');
    await expect(n.notify(healthEvent('e1'))).resolves.toMatchObject({ outcome: 'sent', slack: 'sent' });
    expect(sink.posts).toHaveLength(1);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2);
  });

  it('reads the webhook secret again after Slack said the webhook is dead (404), so a replaced URL is used', async () => {
    sink.kill(404);
    const n = notifier();
    await n.notify(healthEvent('e1'));
    sink.kill(undefined);
    const result = await n.notify(healthEvent('e2'));
    expect(result.slack).toBe('sent');
    expect(smMock.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('sends an event id only once', async () => {
    const n = notifier();
    await n.notify(healthEvent('same'));
    const again = await n.notify(healthEvent('same'));
    expect(again.outcome).toBe('duplicate');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sink.posts).toHaveLength(1);
  });

  it('forgets the oldest ids past its bound', async () => {
    const n = new Notifier({
      sns: new SNSClient({}),
      secrets: new SecretsManagerClient({}),
      topicArn: TOPIC,
      inventory: { ...inventory, alerts: { emails: [] } },
      logger: log,
      dedupSize: 2,
    });
    for (const id of ['a', 'b', 'c']) await n.notify(healthEvent(id));
    expect((await n.notify(healthEvent('a'))).outcome).toBe('sent');
    expect((await n.notify(healthEvent('c'))).outcome).toBe('duplicate');
  });

  it('publishes rotation failures', async () => {
    const result = await notifier().notify(rotationEvent);
    expect(result.kind).toBe('rotation-failed');
    expect(slackPostAsText(sink.posts[0]!)).toContain('setSecret');
  });

  it('never carries a token value, even if one were smuggled into an event', async () => {
    const canary = 'CANARY-slack-7f3a9c';
    // An unexpected field must not be echoed: the formatter reads known fields only.
    const smuggled = { value: canary, token: 'gitlab-ci' } as Partial<HealthEventDetail>;
    await notifier().notify(healthEvent('e1', smuggled));
    const everything = JSON.stringify({
      posts: sink.posts,
      sns: snsMock.calls().map((c) => c.args[0].input),
      log: log.lines,
    });
    expect(sink.posts).toHaveLength(1);
    expect(everything).not.toContain(canary);
  });
});
