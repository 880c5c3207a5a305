import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  IncomingWebhook,
  IncomingWebhookHTTPError,
  IncomingWebhookRequestError,
  type IncomingWebhookSendArguments,
} from '@slack/webhook';
import type { Inventory, TokenSpec } from '../../lib/inventory/schema';
import type { HealthEventDetail } from '../health/events';
import type { HealthState } from '../health/states';
import { canIssue } from '../providers/catalog';
import { SecretValueError } from '../shared/errors';
import type { Log } from '../shared/logger';
import type { MetricSink } from '../shared/metrics';
import { DETAIL_TYPE, EVENT_SOURCE } from '../shared/names';
import { parseSecretValue } from '../shared/secret-value';

/** The part of an EventBridge event notify reads. */
export interface NotifyEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly time?: string;
  readonly resources?: readonly string[];
  readonly detail: unknown;
}

/** A Secrets Manager rotation service event's detail (rotation-facts §3.1). */
interface RotationServiceDetail {
  readonly eventName?: string;
  readonly errorMessage?: string;
  readonly eventTime?: string;
  readonly additionalEventData?: { readonly SecretId?: string };
}

/** How an alert is presented: its emoji, its word and whether it carries a fix command. */
export type AlertKind = 'critical' | 'warning' | 'recovery' | 'rotation-failed';

/** One alert, formatted for both channels. Built only from event fields: never a token value. */
export interface AlertMessage {
  readonly kind: AlertKind;
  readonly env: string;
  readonly token: string;
  /** SNS subject: ASCII, one line, at most 99 characters (SNS: "less than 100 characters"). */
  readonly subject: string;
  /** SNS body and Slack fallback text. */
  readonly body: string;
  readonly slack: IncomingWebhookSendArguments;
  /** The command that fixes it, when one does. */
  readonly command?: string;
}

/** The event is not one notify knows how to format. */
export class UnsupportedEventError extends Error {
  public readonly detailType: string;

  public constructor(detailType: string) {
    super(`notify cannot format events of type "${detailType}"`);
    this.name = 'UnsupportedEventError';
    this.detailType = detailType;
  }
}

const EMOJI: Record<AlertKind, string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  recovery: ':large_green_circle:',
  'rotation-failed': ':red_circle:',
};
const WORD: Record<AlertKind, string> = {
  critical: 'CRITICAL',
  warning: 'WARNING',
  recovery: 'RECOVERED',
  'rotation-failed': 'ROTATION FAILED',
};

const STATE_WORDS: Record<HealthState, string> = {
  ok: 'is healthy again',
  expiring: 'is expiring',
  expired: 'has expired',
  invalid: 'is invalid',
  missing: 'has no value',
  overscoped: 'has more access than allowed',
  duplicate: 'shares its value with another token',
  'rotation-failed': 'failed to rotate',
  'rotation-overdue': 'is overdue for rotation',
  indeterminate: 'cannot be verified',
};

/**
 * Formats one event for Slack (Block Kit) and SNS. Health events (changed, reminder) and Secrets
 * Manager rotation failures ("AWS Service Event via CloudTrail": RotationFailed, RotationAbandoned,
 * TestRotationFailed). The inventory supplies what the event lacks (runbook, manual or not).
 *
 * @throws UnsupportedEventError for any other event.
 */
export function formatAlert(event: NotifyEvent, inventory: Inventory): AlertMessage {
  const type = event['detail-type'];
  if (event.source === EVENT_SOURCE && (type === DETAIL_TYPE.healthChanged || type === DETAIL_TYPE.reminder)) {
    return formatHealth(event.detail as HealthEventDetail, type === DETAIL_TYPE.reminder, inventory);
  }
  if (event.source === 'aws.secretsmanager' && type === 'AWS Service Event via CloudTrail') {
    return formatRotationFailure(event.detail as RotationServiceDetail, inventory);
  }
  throw new UnsupportedEventError(type);
}

function formatHealth(d: HealthEventDetail, reminder: boolean, inventory: Inventory): AlertMessage {
  const spec = inventory.tokens.find((t) => t.name === d.token);
  const kind: AlertKind = d.current === 'ok' ? 'recovery' : d.severity === 'critical' ? 'critical' : 'warning';
  const ref = `${d.env}/${d.token}`;
  const what = `${ref} ${STATE_WORDS[d.current]}`;
  const command = kind === 'recovery' ? undefined : fixCommand(d.current, ref, d.manual ?? isManual(spec));
  const runbook = d.runbook ?? spec?.runbook ?? undefined;
  const expiry =
    d.expiresAt !== null && d.expiresAt !== undefined
      ? `${d.expiresAt.slice(0, 10)} (${daysText(d.daysLeft)})`
      : 'unknown';
  const reasons = d.reasons.length > 0 ? d.reasons : [kind === 'recovery' ? `was ${d.previous}` : d.current];
  const heading = `${reminder ? 'Reminder: ' : ''}${what}`;
  const lines = [
    `${WORD[kind]}: ${heading}`,
    '',
    ...reasons.map((r) => `- ${r}`),
    '',
    `Token: ${d.token} (${d.provider})`,
    `Environment: ${d.env}`,
    `Owner: ${d.owner}`,
    `Expires: ${expiry}`,
    ...(d.healing ? ['Self-healing: a rotation was started automatically.'] : []),
    ...(command ? [`Fix: ${command}`] : []),
    ...(runbook ? [`Runbook: ${runbook}`] : []),
    `Secret: ${d.secretArn}`,
  ];
  const blocks: NonNullable<IncomingWebhookSendArguments['blocks']> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${WORD[kind]}: ${heading}`, 150), emoji: true } },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${EMOJI[kind]} *${esc(heading)}*\n${reasons.map((r) => `• ${esc(r)}`).join('\n')}`,
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Token*\n\`${esc(d.token)}\` (${esc(d.provider)})` },
        { type: 'mrkdwn', text: `*Environment*\n${esc(d.env)}` },
        { type: 'mrkdwn', text: `*Owner*\n${mention(d.owner)}` },
        { type: 'mrkdwn', text: `*Expires*\n${esc(expiry)}` },
      ],
    },
    ...(d.healing
      ? [
          {
            type: 'section' as const,
            text: { type: 'mrkdwn' as const, text: ':wrench: Self-healing: a rotation was started automatically.' },
          },
        ]
      : []),
    ...(command
      ? [{ type: 'section' as const, text: { type: 'mrkdwn' as const, text: `*Fix:* \`${command}\`` } }]
      : []),
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: runbook ? `<${runbook}|Runbook>` : 'No runbook in the inventory' }],
    },
  ];
  return {
    kind,
    env: d.env,
    token: d.token,
    subject: subject(`[${WORD[kind]}] tokenwarden ${heading}`),
    body: lines.join('\n'),
    slack: { text: `${WORD[kind]}: ${heading}`, blocks },
    ...(command ? { command } : {}),
  };
}

function formatRotationFailure(d: RotationServiceDetail, inventory: Inventory): AlertMessage {
  const secretId = d.additionalEventData?.SecretId ?? 'unknown secret';
  const parsed = tokenFromSecretId(secretId);
  const env = parsed?.env ?? inventory.name;
  const token = parsed?.token ?? secretId;
  const spec = inventory.tokens.find((t) => t.name === token);
  const step = /during (\w+) step/.exec(d.errorMessage ?? '')?.[1];
  const ref = `${env}/${token}`;
  const event = d.eventName ?? 'RotationFailed';
  const what = `${ref}: ${event}${step ? ` in ${step}` : ''}`;
  const command = `tokenwarden rotate ${ref}`;
  const detail = d.errorMessage ?? 'Secrets Manager reported a failed rotation.';
  const lines = [
    `ROTATION FAILED: ${what}`,
    '',
    detail,
    '',
    `Token: ${token}`,
    `Environment: ${env}`,
    ...(spec ? [`Owner: ${spec.owner}`] : []),
    `Fix: check the rotation Lambda's logs${step ? ` for the ${step} step` : ''}, then: ${command}`,
    ...(spec?.runbook ? [`Runbook: ${spec.runbook}`] : []),
    `Secret: ${secretId}`,
  ];
  const blocks: NonNullable<IncomingWebhookSendArguments['blocks']> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`ROTATION FAILED: ${what}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI['rotation-failed']} *${esc(what)}*\n${esc(detail)}` } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Token*\n\`${esc(token)}\`` },
        { type: 'mrkdwn', text: `*Environment*\n${esc(env)}` },
        { type: 'mrkdwn', text: `*Owner*\n${spec ? mention(spec.owner) : 'unknown'}` },
        { type: 'mrkdwn', text: `*Step*\n${esc(step ?? 'unknown')}` },
      ],
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Fix:* check the rotation Lambda's logs, then \`${command}\`` },
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: spec?.runbook ? `<${spec.runbook}|Runbook>` : 'No runbook in the inventory' }],
    },
  ];
  return {
    kind: 'rotation-failed',
    env,
    token,
    subject: subject(`[ROTATION FAILED] tokenwarden ${what}`),
    body: lines.join('\n'),
    slack: { text: `ROTATION FAILED: ${what}`, blocks },
    command,
  };
}

/** The exact command that fixes a state: a rotation where tokenwarden can issue tokens, else a new value by hand. */
export function fixCommand(state: HealthState, ref: string, manual: boolean): string | undefined {
  switch (state) {
    case 'ok':
      return undefined;
    case 'indeterminate':
      return `tokenwarden check ${ref}`;
    case 'missing':
      return `tokenwarden put ${ref}`;
    default:
      return manual ? `tokenwarden put ${ref}` : `tokenwarden rotate ${ref}`;
  }
}

/** `arn:…:secret:tokenwarden/<env>/<token>-AbCdEf` (or the bare name) → env and token. */
export function tokenFromSecretId(secretId: string): { env: string; token: string } | undefined {
  const isArn = secretId.startsWith('arn:');
  let name = isArn ? secretId.replace(/^arn:[^:]+:secretsmanager:[^:]*:\d*:secret:/, '') : secretId;
  // A secret's ARN ends with "-" and six random characters
  // (https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot.html#ARN_secretnamehyphen).
  if (isArn) name = name.replace(/-[A-Za-z0-9]{6}$/, '');
  const match = /^tokenwarden\/([^/]+)\/([a-z0-9][a-z0-9-]*)$/.exec(name);
  if (!match?.[1] || !match[2]) return undefined;
  return { env: match[1], token: match[2] };
}

function isManual(spec: TokenSpec | undefined): boolean {
  return spec === undefined || spec.rotation === 'manual' || !canIssue(spec.provider);
}

function daysText(days: number | null | undefined): string {
  if (days === null || days === undefined) return 'unknown';
  if (days < 0) return `expired ${-days} day${days === -1 ? '' : 's'} ago`;
  return `${days} day${days === 1 ? '' : 's'} left`;
}

/** Slack mrkdwn escaping (https://api.slack.com/reference/surfaces/formatting#escaping). */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Owners written as Slack mention syntax (`<@U…>`, `<!subteam^…>`) are kept; anything else is shown as text. */
function mention(owner: string): string {
  return /^<[@!#][^>]+>$/.test(owner) ? owner : esc(owner);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** SNS subjects: ASCII, no line breaks, under 100 characters (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). */
function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7e]/g, '?');
  return ascii.length <= 99 ? ascii : `${ascii.slice(0, 96)}...`;
}

/** Posts one message to a Slack webhook; throws on failure. */
export type SlackPoster = (url: string, message: IncomingWebhookSendArguments) => Promise<void>;

/** Slack through @slack/webhook, with a timeout and a short retry on 5xx and network errors only. */
export const postWithIncomingWebhook: SlackPoster = async (url, message) => {
  const webhook = new IncomingWebhook(url, {
    timeout: 5_000,
    retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1_000 },
  });
  await webhook.send(message);
};

/** What the notifier talks to, injected by the handler. */
export interface NotifyDeps {
  readonly sns: SNSClient;
  readonly secrets: SecretsManagerClient;
  /** The alert topic. */
  readonly topicArn: string;
  readonly inventory: Inventory;
  readonly logger: Log;
  /** `SlackFailures` (with `Reason`), `AlertsSent` (with `Kind`). */
  readonly metrics?: MetricSink;
  /** @default postWithIncomingWebhook */
  readonly postToSlack?: SlackPoster;
  /** Event ids remembered for dedup. @default 1000 */
  readonly dedupSize?: number;
}

/** What happened to one event: sent (and where) or skipped as a duplicate. */
export interface NotifyResult {
  readonly outcome: 'sent' | 'duplicate';
  readonly slack: 'sent' | 'failed' | 'not-configured';
  readonly kind?: AlertKind;
}

/**
 * Sends alerts to Slack and SNS. Build one per container (the handler does, at module scope): it keeps
 * the webhook URL and the ids of events already sent (EventBridge delivers at least once).
 *
 * Slack is best effort: an outage or a dead webhook (404 no_service, 410 channel_is_archived) is logged
 * and counted, and the alert still goes to SNS. SNS is the channel that must not lose an alert: if it
 * fails, `notify` throws, so Lambda retries the event and then sends it to the DLQ.
 */
export class Notifier {
  private readonly seen = new Set<string>();
  /**
   * Events already posted to Slack whose SNS publish failed: Lambda retries the whole event, and the
   * retry must not post the same alert to the channel again.
   */
  private readonly postedToSlack = new Set<string>();
  private webhookUrl: Promise<string | undefined> | undefined;

  public constructor(private readonly deps: NotifyDeps) {}

  /** @throws UnsupportedEventError for an event it cannot format; the SNS error when publishing fails. */
  public async notify(event: NotifyEvent): Promise<NotifyResult> {
    const { logger } = this.deps;
    if (this.seen.has(event.id)) {
      logger.info('duplicate event skipped', { eventId: event.id });
      return { outcome: 'duplicate', slack: 'not-configured' };
    }
    const message = formatAlert(event, this.deps.inventory);
    const slack = this.postedToSlack.has(event.id) ? 'sent' : await this.sendSlack(message, event.id);
    if (slack === 'sent') {
      this.postedToSlack.add(event.id);
      // A retry may land on another container; keep this set bounded like the dedup set.
      dropOldest(this.postedToSlack, this.deps.dedupSize ?? 1000);
    }
    await this.deps.sns.send(
      new PublishCommand({ TopicArn: this.deps.topicArn, Subject: message.subject, Message: message.body }),
    );
    this.remember(event.id);
    this.deps.metrics?.addMetric('AlertsSent', 'Count', 1, { Kind: message.kind });
    logger.info('alert sent', { eventId: event.id, token: message.token, env: message.env, kind: message.kind, slack });
    return { outcome: 'sent', slack, kind: message.kind };
  }

  private async sendSlack(message: AlertMessage, eventId: string): Promise<NotifyResult['slack']> {
    const { logger } = this.deps;
    let url: string | undefined;
    try {
      url = await this.readWebhookUrl();
    } catch (error) {
      this.webhookUrl = undefined; // retry the read with the next event
      logger.warn('cannot read the Slack webhook secret', { eventId, errorName: nameOf(error) });
      this.deps.metrics?.addMetric('SlackFailures', 'Count', 1, { Reason: 'webhook-secret' });
      return 'failed';
    }
    if (url === undefined) return 'not-configured';
    try {
      await (this.deps.postToSlack ?? postWithIncomingWebhook)(url, message.slack);
      return 'sent';
    } catch (error) {
      // Never log the error itself: its message and request carry the webhook URL.
      const status = error instanceof IncomingWebhookHTTPError ? error.statusCode : undefined;
      const dead = status === 404 || status === 410;
      logger.warn(dead ? 'Slack webhook is dead' : 'Slack post failed', {
        eventId,
        status,
        errorName: error instanceof IncomingWebhookRequestError ? 'IncomingWebhookRequestError' : nameOf(error),
      });
      this.deps.metrics?.addMetric('SlackFailures', 'Count', 1, { Reason: dead ? 'dead-webhook' : 'unavailable' });
      // A dead webhook is fixed by storing a new URL in the secret: read it again with the next event
      // instead of posting to the dead one for the container's whole life.
      if (dead) this.webhookUrl = undefined;
      return 'failed';
    }
  }

  /** The webhook URL, read once per container from the secret named by `alerts.slackWebhookSecret`. */
  private readWebhookUrl(): Promise<string | undefined> {
    const name = this.deps.inventory.alerts.slackWebhookSecret;
    if (name === undefined) return Promise.resolve(undefined);
    this.webhookUrl ??= this.deps.secrets.send(new GetSecretValueCommand({ SecretId: name })).then((out) => {
      const text = out.SecretString?.trim() ?? '';
      if (text.startsWith('https://') || text.startsWith('http://')) return text;
      // Also accept the value stored in tokenwarden's own format (`tokenwarden put`).
      const parsed = parseSecretValue(text);
      if (parsed.kind === 'ok') return parsed.value.token;
      throw new SecretValueError('the Slack webhook secret holds neither a URL nor a tokenwarden value');
    });
    return this.webhookUrl;
  }

  private remember(id: string): void {
    this.postedToSlack.delete(id);
    this.seen.add(id);
    dropOldest(this.seen, this.deps.dedupSize ?? 1000);
  }
}

/** Bounds a Set; it iterates in insertion order, so the oldest ids go first. */
function dropOldest(ids: Set<string>, max: number): void {
  while (ids.size > max) {
    const oldest = ids.values().next().value;
    if (oldest === undefined) break;
    ids.delete(oldest);
  }
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}
