import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnLoopback } from '../providers/http-fake';
import { AwsApiError } from './errors';
import { EventRouter } from './event-router';
import { type RotationInvoker, SecretsStore } from './secrets-store';
import { type SnsMessageAttribute, SnsTopics } from './sns-topics';
import { loadState, saveState } from './state-file';

/**
 * The AWS-compatible endpoint of the local stand-in: one port on 127.0.0.1 serving Secrets Manager
 * and EventBridge (JSON 1.1, dispatched on `X-Amz-Target`) and SNS (awsQuery: form-encoded
 * `Action=Publish`, XML answers, which is the protocol the installed @aws-sdk/client-sns uses).
 * The unmodified SDK clients reach it through `endpoint` / `AWS_ENDPOINT_URL` with any credentials;
 * signatures are not checked. This file only translates the wire format; behaviour lives in
 * secrets-store.ts, event-router.ts and sns-topics.ts.
 */

/** One line of the request log. Holds operation names and ids only, never a request or response body. */
export interface RequestLogEntry {
  readonly service: 'secretsmanager' | 'events' | 'sns' | 'unknown';
  readonly operation: string;
  readonly status: number;
  /** The modeled error name, when the call failed. */
  readonly errorCode?: string;
  /** The secret id, bus or topic the call named (names and ARNs, never values). */
  readonly resource?: string;
}

export interface AwsStandInOptions {
  /** Port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
  /** @default 'eu-west-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly account?: string;
  /**
   * Persists the secrets here after each change and loads them at start (mode 0600: the file holds
   * token values). @default in memory only
   */
  readonly stateFile?: string;
  /** Finds the rotation function for a RotationLambdaARN. @default none (RotateSecret fails) */
  readonly rotationFunctions?: (lambdaArn: string) => RotationInvoker | undefined;
  /** Whole-rotation retries after a failed attempt. @default 2 */
  readonly rotationRetries?: number;
  /** Pause before a rotation retry. @default 50 */
  readonly rotationRetryDelayMs?: number;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  /** Called once per request; entries never contain SecretString/SecretBinary. @default none */
  readonly onRequest?: (entry: RequestLogEntry) => void;
  /**
   * Fault injection for reliability tests: asked before each operation runs; an answer is sent instead
   * of running it (the operation has no effect), in the service's wire format. @default no faults
   */
  readonly faults?: FaultHook;
}

/** What a fault hook sees of a request: names only, never a body. */
export interface FaultRequest {
  readonly service: RequestLogEntry['service'];
  readonly operation: string;
  readonly resource?: string;
}

/** An error answer to inject, e.g. `{ code: 'ThrottlingException', status: 400 }` or `{ code: 'InternalServiceError', status: 500 }`. */
export interface InjectedFault {
  readonly code: string;
  readonly status: number;
  /** @default 'Injected fault.' */
  readonly message?: string;
}

/** Decides, per request, whether to answer with an injected error instead. */
export type FaultHook = (request: FaultRequest) => InjectedFault | undefined;

/** A running stand-in. */
export interface AwsStandIn {
  /** `http://127.0.0.1:<port>`, for `endpoint` / `AWS_ENDPOINT_URL`. */
  readonly url: string;
  readonly port: number;
  readonly secrets: SecretsStore;
  readonly events: EventRouter;
  readonly sns: SnsTopics;
  /** Settles when no rotation is running and every event delivery it caused has finished. */
  waitForRotations(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the AWS-compatible endpoint on 127.0.0.1.
 * @throws PortInUseError when the port is taken
 */
export async function startAwsStandIn(options: AwsStandInOptions = {}): Promise<AwsStandIn> {
  const region = options.region ?? 'eu-west-1';
  const account = options.account ?? '000000000000';
  const clock = options.clock ?? (() => new Date());
  const events = new EventRouter({ region, account, clock });
  const sns = new SnsTopics({ region, account, clock });
  const stateFile = options.stateFile;
  const secrets: SecretsStore = new SecretsStore({
    region,
    account,
    clock,
    emit: (event) => {
      events.put({
        source: event.source,
        detailType: event.detailType,
        detail: event.detail,
        resources: event.resources,
        time: event.time,
      });
    },
    rotationFunctions: options.rotationFunctions,
    rotationRetries: options.rotationRetries,
    rotationRetryDelayMs: options.rotationRetryDelayMs,
    onChange: stateFile ? () => saveState(stateFile, secrets.snapshot()) : undefined,
  });
  if (stateFile) secrets.load(loadState(stateFile));

  const log = options.onRequest ?? (() => {});
  const faults = options.faults ?? (() => undefined);
  const running = await serveOnLoopback(
    (req, res) => handle(req, res, { secrets, events, sns, log, faults }),
    options.port ?? 0,
  );
  return {
    url: running.url,
    port: Number(new URL(running.url).port),
    secrets,
    events,
    sns,
    waitForRotations: async () => {
      await secrets.waitForRotations();
      await events.idle();
    },
    close: async () => {
      secrets.stopRotations();
      await running.close();
    },
  };
}

interface Services {
  readonly secrets: SecretsStore;
  readonly events: EventRouter;
  readonly sns: SnsTopics;
  readonly log: (entry: RequestLogEntry) => void;
  readonly faults: FaultHook;
}

type JsonBody = Record<string, unknown>;

const MAX_BODY_BYTES = 8 * 1024 * 1024;

async function handle(req: IncomingMessage, res: ServerResponse, services: Services): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Far above any real request (a secret is at most 64 KB, PutEvents 1 MB); a runaway client
    // should not exhaust the stand-in's memory.
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413).end();
      req.destroy();
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks).toString('utf8');
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) {
    await handleJson(target, body, res, services);
    return;
  }
  if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    handleQuery(body, res, services);
    return;
  }
  services.log({ service: 'unknown', operation: `${req.method} ${req.url}`, status: 400 });
  sendJson(res, 400, { __type: 'UnknownOperationException', message: 'Unknown operation' });
}

// ---------------------------------------------------------------- JSON 1.1 (Secrets Manager, EventBridge)

type JsonOperation = (input: JsonBody) => unknown;

/**
 * The JSON body as the SDK's request shape. The SDK built it from that shape; the store checks the
 * fields it relies on and answers InvalidParameterException like the service does.
 */
function shaped<T>(input: JsonBody): T {
  return input as unknown as T;
}

function secretsOperations(store: SecretsStore): Record<string, JsonOperation> {
  return {
    CreateSecret: (input) => store.createSecret(shaped(input)),
    DescribeSecret: (input) => store.describeSecret(shaped(input)),
    GetSecretValue: (input) => store.getSecretValue(shaped(input)),
    PutSecretValue: (input) => store.putSecretValue(shaped(input)),
    UpdateSecretVersionStage: (input) => store.updateSecretVersionStage(shaped(input)),
    UpdateSecret: (input) => store.updateSecret(shaped(input)),
    GetRandomPassword: (input) => store.getRandomPassword(shaped(input)),
    ListSecrets: (input) => store.listSecrets(shaped(input)),
    BatchGetSecretValue: (input) => store.batchGetSecretValue(shaped(input)),
    ListSecretVersionIds: (input) => store.listSecretVersionIds(shaped(input)),
    TagResource: (input) => {
      store.tagResource(shaped(input));
      return {};
    },
    UntagResource: (input) => {
      store.untagResource(shaped(input));
      return {};
    },
    DeleteSecret: (input) => store.deleteSecret(shaped(input)),
    RestoreSecret: (input) => store.restoreSecret(shaped(input)),
    CancelRotateSecret: (input) => store.cancelRotateSecret(shaped(input)),
    RotateSecret: (input) => store.rotateSecret(shaped(input)),
  };
}

function eventsOperations(router: EventRouter): Record<string, JsonOperation> {
  return {
    PutEvents: (input) => {
      const entries = Array.isArray(input.Entries) ? (input.Entries as JsonBody[]) : [];
      return router.putEvents({
        Entries: entries.map((e) => ({
          ...e,
          // JSON 1.1 sends timestamps as epoch seconds.
          Time: typeof e.Time === 'number' ? new Date(e.Time * 1000) : undefined,
        })),
      });
    },
  };
}

async function handleJson(target: string, body: string, res: ServerResponse, services: Services): Promise<void> {
  const [prefix, operation = ''] = target.split('.', 2);
  const service = prefix === 'secretsmanager' ? 'secretsmanager' : prefix === 'AWSEvents' ? 'events' : 'unknown';
  const operations =
    service === 'secretsmanager'
      ? secretsOperations(services.secrets)
      : service === 'events'
        ? eventsOperations(services.events)
        : {};
  let input: JsonBody = {};
  try {
    const parsed: unknown = body === '' ? {} : JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object');
    input = parsed as JsonBody;
  } catch {
    return answerJsonError(res, services, service, operation, undefined, {
      code: 'SerializationException',
      message: 'Request body is not valid JSON.',
      status: 400,
    });
  }
  const resource = resourceOf(input);
  const fault = services.faults({ service, operation, resource });
  if (fault) {
    return answerJsonError(res, services, service, operation, resource, {
      code: fault.code,
      message: fault.message ?? 'Injected fault.',
      status: fault.status,
    });
  }
  const handler = operations[operation];
  if (!handler) {
    return answerJsonError(res, services, service, operation, resource, {
      code: 'UnknownOperationException',
      message: `The local stand-in does not implement ${target}.`,
      status: 400,
    });
  }
  try {
    const output = handler(decodeBlobs(input));
    services.log({ service, operation, status: 200, resource });
    sendJson(res, 200, encodeJson(output));
  } catch (error) {
    if (error instanceof AwsApiError) {
      return answerJsonError(res, services, service, operation, resource, error);
    }
    // Unexpected: answer 500 without the error's text (it is not ours to echo, and could hold a value).
    const code = service === 'events' ? 'InternalException' : 'InternalServiceError';
    return answerJsonError(res, services, service, operation, resource, {
      code,
      message: 'The local stand-in failed to process the request.',
      status: 500,
    });
  }
}

function answerJsonError(
  res: ServerResponse,
  services: Services,
  service: RequestLogEntry['service'],
  operation: string,
  resource: string | undefined,
  error: { code: string; message: string; status: number },
): void {
  services.log({ service, operation, status: error.status, errorCode: error.code, resource });
  res.setHeader('x-amzn-ErrorType', error.code);
  sendJson(res, error.status, { __type: error.code, message: error.message });
}

/** The id a request names, for the log: never a value. */
function resourceOf(input: JsonBody): string | undefined {
  for (const key of ['SecretId', 'Name', 'EventBusName']) {
    const value = input[key];
    if (typeof value === 'string') return value;
  }
  if (Array.isArray(input.SecretIdList)) return `${input.SecretIdList.length} secret ids`;
  return undefined;
}

/** JSON 1.1 sends blobs as base64; the store takes bytes. */
function decodeBlobs(input: JsonBody): JsonBody {
  if (typeof input.SecretBinary !== 'string') return input;
  return { ...input, SecretBinary: Buffer.from(input.SecretBinary, 'base64') };
}

/** JSON 1.1 encoding: timestamps as epoch seconds, blobs as base64, undefined fields dropped. */
function encodeJson(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(encodeJson);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) if (field !== undefined) out[key] = encodeJson(field);
    return out;
  }
  return value;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-RequestId': randomUUID(),
    })
    .end(JSON.stringify(body ?? {}));
}

// ---------------------------------------------------------------- awsQuery (SNS)

const SNS_NS = 'http://sns.amazonaws.com/doc/2010-03-31/';

function handleQuery(body: string, res: ServerResponse, services: Services): void {
  const params = new URLSearchParams(body);
  const action = params.get('Action') ?? '';
  const resource = params.get('TopicArn') ?? params.get('TargetArn') ?? params.get('Name') ?? undefined;
  const requestId = randomUUID();
  try {
    const fault = services.faults({ service: 'sns', operation: action, resource });
    if (fault) throw new AwsApiError(fault.code, fault.message ?? 'Injected fault.', fault.status);
    let result: string;
    switch (action) {
      case 'Publish': {
        const messageId = services.sns.publish({
          topicArn: params.get('TopicArn') ?? params.get('TargetArn') ?? undefined,
          subject: params.get('Subject') ?? undefined,
          message: params.get('Message') ?? undefined,
          messageAttributes: messageAttributes(params),
        });
        result = `<MessageId>${xml(messageId)}</MessageId>`;
        break;
      }
      case 'CreateTopic': {
        const arn = services.sns.createTopic(params.get('Name') ?? '');
        result = `<TopicArn>${xml(arn)}</TopicArn>`;
        break;
      }
      case 'ListTopics': {
        const members = services.sns
          .topics()
          .map((arn) => `<member><TopicArn>${xml(arn)}</TopicArn></member>`)
          .join('');
        result = `<Topics>${members}</Topics>`;
        break;
      }
      default:
        throw new AwsApiError('InvalidAction', `The action ${action} is not valid for this endpoint.`);
    }
    services.log({ service: 'sns', operation: action, status: 200, resource });
    sendXml(
      res,
      200,
      `<${action}Response xmlns="${SNS_NS}"><${action}Result>${result}</${action}Result>` +
        `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
    );
  } catch (error) {
    const apiError =
      error instanceof AwsApiError
        ? error
        : new AwsApiError('InternalError', 'The local stand-in failed to process the request.', 500);
    services.log({ service: 'sns', operation: action, status: apiError.status, errorCode: apiError.code, resource });
    const type = apiError.status >= 500 ? 'Receiver' : 'Sender';
    sendXml(
      res,
      apiError.status,
      `<ErrorResponse xmlns="${SNS_NS}"><Error><Type>${type}</Type><Code>${xml(apiError.code)}</Code>` +
        `<Message>${xml(apiError.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    );
  }
}

/** `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue`. */
function messageAttributes(params: URLSearchParams): Record<string, SnsMessageAttribute> {
  const attributes: Record<string, SnsMessageAttribute> = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    attributes[params.get(`${prefix}.Name`)!] = {
      DataType: params.get(`${prefix}.Value.DataType`) ?? 'String',
      StringValue: params.get(`${prefix}.Value.StringValue`) ?? undefined,
      BinaryValue: params.get(`${prefix}.Value.BinaryValue`) ?? undefined,
    };
  }
  return attributes;
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-RequestId': requestIdOf(body) }).end(body);
}

/** The RequestId written in the XML body, repeated in the header the SDK reads. */
function requestIdOf(body: string): string {
  return /<RequestId>([^<]+)<\/RequestId>/.exec(body)?.[1] ?? randomUUID();
}
