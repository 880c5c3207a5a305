import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, InvalidParameterException, PublishCommand } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '../../../local/aws/event-router';
import type { PublishedMessage } from '../../../local/aws/sns-topics';
import { type Harness, startHarness } from './helpers';

describe('local AWS stand-in: EventBridge PutEvents', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('delivers an event to a matching rule and not to a non-matching one', async () => {
    const matched: DeliveredEvent[] = [];
    const other: DeliveredEvent[] = [];
    h.standIn.events.addRule({
      bus: 'tokenwarden-qa',
      name: 'alerts',
      pattern: { source: ['tokenwarden'], detail: { severity: ['critical'] } },
      target: async (e) => {
        matched.push(e);
      },
    });
    h.standIn.events.addRule({
      bus: 'tokenwarden-qa',
      name: 'warnings',
      pattern: { source: ['tokenwarden'], detail: { severity: ['warning'] } },
      target: async (e) => {
        other.push(e);
      },
    });
    const time = new Date('2026-11-23T08:00:00Z');
    const result = await h.eb.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'arn:aws:events:eu-west-1:000000000000:event-bus/tokenwarden-qa',
            Source: 'tokenwarden',
            DetailType: 'Token Health Changed',
            Detail: JSON.stringify({ severity: 'critical', token: 'gitlab' }),
            Resources: ['arn:x'],
            Time: time,
          },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(0);
    await h.standIn.events.idle();
    expect(other).toEqual([]);
    expect(matched).toEqual([
      {
        version: '0',
        id: result.Entries?.[0]?.EventId,
        'detail-type': 'Token Health Changed',
        source: 'tokenwarden',
        account: '000000000000',
        time: '2026-11-23T08:00:00Z',
        region: 'eu-west-1',
        resources: ['arn:x'],
        detail: { severity: 'critical', token: 'gitlab' },
      },
    ]);
    expect(h.standIn.events.archive('tokenwarden-qa')).toHaveLength(1);
    expect(h.standIn.events.archive()).toHaveLength(0);
  });

  it('fails a malformed entry alone and reports it in FailedEntryCount', async () => {
    const result = await h.eb.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'tokenwarden', DetailType: 'x', Detail: '{not json' },
          { Source: 'tokenwarden', DetailType: 'x', Detail: '{}' },
        ],
      }),
    );
    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
    expect(result.Entries?.[1]?.EventId).toBeDefined();
  });

  it('retries a failing target, then records the event in the dead letters without crashing', async () => {
    let attempts = 0;
    h.standIn.events.addRule({
      name: 'broken',
      pattern: { source: ['tokenwarden'] },
      target: async () => {
        attempts++;
        throw new TypeError('target broke');
      },
    });
    await h.eb.send(new PutEventsCommand({ Entries: [{ Source: 'tokenwarden', DetailType: 'x', Detail: '{}' }] }));
    await h.standIn.events.idle();
    expect(attempts).toBe(3);
    expect(h.standIn.events.deadLetters).toHaveLength(1);
    expect(h.standIn.events.deadLetters[0]).toMatchObject({ bus: 'default', rule: 'broken', errorName: 'TypeError' });
    const again = await h.eb.send(
      new PutEventsCommand({ Entries: [{ Source: 'still', DetailType: 'up', Detail: '{}' }] }),
    );
    expect(again.FailedEntryCount).toBe(0);
  });
});

describe('local AWS stand-in: SNS', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('records a Publish (awsQuery) and hands it to subscribers', async () => {
    const { TopicArn } = await h.sns.send(new CreateTopicCommand({ Name: 'tokenwarden-qa-alerts' }));
    expect(TopicArn).toBe('arn:aws:sns:eu-west-1:000000000000:tokenwarden-qa-alerts');
    const received: PublishedMessage[] = [];
    h.standIn.sns.subscribe(TopicArn!, (m) => {
      received.push(m);
    });
    const { MessageId } = await h.sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'gitlab token invalid',
        Message: 'The qa gitlab token is invalid & needs a <rotation>.',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'critical' } },
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(h.standIn.sns.published).toEqual([
      expect.objectContaining({
        messageId: MessageId,
        topicArn: TopicArn,
        subject: 'gitlab token invalid',
        message: 'The qa gitlab token is invalid & needs a <rotation>.',
        messageAttributes: { severity: { DataType: 'String', StringValue: 'critical' } },
      }),
    ]);
    expect(received.map((m) => m.messageId)).toEqual([MessageId]);
  });

  it('auto-creates a topic on first publish', async () => {
    const topic = 'arn:aws:sns:eu-west-1:000000000000:fresh';
    await h.sns.send(new PublishCommand({ TopicArn: topic, Message: 'hello' }));
    expect(h.standIn.sns.topics()).toContain(topic);
  });

  it('answers InvalidParameter in the awsQuery XML error format', async () => {
    const error = await h.sns
      .send(new PublishCommand({ TopicArn: 'arn:aws:sns:eu-west-1:000000000000:t', Message: '' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as Error).message).toBe('Invalid parameter: Empty message');
  });
});
