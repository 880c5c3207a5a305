import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RunningFake, serveOnLoopback } from './providers/http-fake';

/** One message posted to the sink, as Slack would have received it. */
export interface SlackPost {
  readonly at: string;
  readonly path: string;
  readonly payload: { text?: string; blocks?: unknown[] };
}

/**
 * Stands in for a Slack incoming webhook: records and prints what would be posted. It answers the way
 * Slack's webhooks do (https://api.slack.com/messaging/webhooks#handling_errors): 200 "ok", or, once
 * `kill(status)` is called, 404 "no_service" / 410 "channel_is_archived" like a dead webhook.
 */
export class SlackSink {
  public readonly posts: SlackPost[] = [];
  private dead: 404 | 410 | 503 | undefined;

  public constructor(private readonly print: ((post: SlackPost) => void) | undefined = undefined) {}

  /** Makes the webhook answer like a deleted (404), archived (410) or failing (503) one. */
  public kill(status: 404 | 410 | 503 | undefined): void {
    this.dead = status;
  }

  public readonly listener = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST') {
      res.writeHead(405).end('invalid_method');
      return;
    }
    if (this.dead) {
      const body = { 404: 'no_service', 410: 'channel_is_archived', 503: 'service_unavailable' }[this.dead];
      res.writeHead(this.dead, { 'content-type': 'text/plain' }).end(body);
      return;
    }
    let payload: SlackPost['payload'];
    try {
      payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SlackPost['payload'];
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      return;
    }
    const post: SlackPost = { at: new Date().toISOString(), path: req.url ?? '/', payload };
    this.posts.push(post);
    this.print?.(post);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };
}

/** Renders a Block Kit message as plain lines, the way the terminal shows it. */
export function slackPostAsText(post: SlackPost): string {
  const lines: string[] = [];
  for (const block of post.payload.blocks ?? []) {
    const b = block as {
      type?: string;
      text?: { text?: string };
      fields?: { text?: string }[];
      elements?: { text?: string }[];
    };
    if (b.text?.text) lines.push(b.text.text);
    for (const field of b.fields ?? []) if (field.text) lines.push(field.text);
    for (const element of b.elements ?? []) if (element.text) lines.push(element.text);
  }
  if (lines.length === 0 && post.payload.text) lines.push(post.payload.text);
  return lines.join('\n');
}

export async function startSlackSink(
  port: number,
  print?: (post: SlackPost) => void,
): Promise<{ sink: SlackSink; running: RunningFake; webhookUrl: string }> {
  const sink = new SlackSink(print);
  const running = await serveOnLoopback(sink.listener, port);
  return { sink, running, webhookUrl: `${running.url}/services/T0LOCAL/B0LOCAL/local-webhook` };
}
