import { randomBytes } from 'node:crypto';
import type { FakeRequest, FakeResponse, FakeRoute } from './http-fake';

/**
 * Fake Twilio REST API (2010-04-01): Basic auth with the Account SID + Auth Token or a key SID + secret;
 * 401 code 20003 "Authenticate" (https://www.twilio.com/docs/api/errors/20003); only the Auth Token or a
 * Main key may use the Keys resource (https://www.twilio.com/docs/iam/api-keys/keys-in-console).
 */
export interface TwilioFakeState {
  readonly accountSid: string;
  readonly authToken: string;
  readonly keys: Map<string, { secret: string; main: boolean; friendlyName: string }>;
  readonly calls: Record<string, number>;
  seedKey(options?: { main?: boolean; secret?: string }): { sid: string; secret: string };
  revoke(sid: string): boolean;
}

export interface TwilioFake {
  readonly route: FakeRoute;
  readonly state: TwilioFakeState;
}

const authenticate = (): FakeResponse => ({
  status: 401,
  body: { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 },
});
const notFound = (): FakeResponse => ({
  status: 404,
  body: {
    code: 20404,
    message: 'The requested resource was not found',
    more_info: 'https://www.twilio.com/docs/errors/20404',
    status: 404,
  },
});

/** The account SID of inventory/local.yaml. */
export const LOCAL_TWILIO_ACCOUNT_SID = `AC${'0'.repeat(32)}`;

export function createTwilioFake(accountSid = LOCAL_TWILIO_ACCOUNT_SID): TwilioFake {
  const keys = new Map<string, { secret: string; main: boolean; friendlyName: string }>();
  const calls: Record<string, number> = {};
  const authToken = randomBytes(16).toString('hex');
  const state: TwilioFakeState = {
    accountSid,
    authToken,
    keys,
    calls,
    seedKey({ main = false, secret = randomBytes(16).toString('hex') } = {}) {
      const sid = `SK${randomBytes(16).toString('hex')}`;
      keys.set(sid, { secret, main, friendlyName: 'seeded' });
      return { sid, secret };
    },
    revoke: (sid) => keys.delete(sid),
  };
  /** 'admin' for the Auth Token or a Main key, 'key' for a Standard key, undefined when not authenticated. */
  const who = (req: FakeRequest): 'admin' | 'key' | undefined => {
    const header = req.headers.authorization;
    if (!header?.startsWith('Basic ')) return undefined;
    const [user, ...rest] = Buffer.from(header.slice(6), 'base64').toString('utf8').split(':');
    const password = rest.join(':');
    if (user === accountSid && password === authToken) return 'admin';
    const key = user === undefined ? undefined : keys.get(user);
    if (!key || key.secret !== password) return undefined;
    return key.main ? 'admin' : 'key';
  };
  const base = `/2010-04-01/Accounts/${accountSid}`;
  const route: FakeRoute = (req) => {
    const name = `${req.method} ${req.path.replace(/\/SK[0-9a-f]{32}/, '/:sid')}`;
    calls[name] = (calls[name] ?? 0) + 1;
    const caller = who(req);
    if (!caller) return authenticate();
    if (req.method === 'GET' && req.path === `${base}/Messages.json`) {
      return { status: 200, body: { messages: [], page: 0, page_size: 1, uri: `${base}/Messages.json?PageSize=1` } };
    }
    if (req.method === 'POST' && req.path === `${base}/Keys.json`) {
      if (caller !== 'admin') return authenticate();
      const friendlyName = new URLSearchParams(req.body).get('FriendlyName') ?? '';
      const sid = `SK${randomBytes(16).toString('hex')}`;
      const secret = randomBytes(16).toString('hex');
      keys.set(sid, { secret, main: false, friendlyName });
      const now = new Date().toUTCString();
      return { status: 201, body: { sid, friendly_name: friendlyName, secret, date_created: now, date_updated: now } };
    }
    const del = new RegExp(`^${base}/Keys/(SK[0-9a-f]{32})\\.json$`).exec(req.path);
    if (req.method === 'DELETE' && del) {
      if (caller !== 'admin') return authenticate();
      return keys.delete(del[1] ?? '') ? { status: 204 } : notFound();
    }
    return notFound();
  };
  return { route, state };
}
