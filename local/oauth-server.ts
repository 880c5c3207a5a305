import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { PortInUseError } from './providers/http-fake';

/**
 * A real OAuth 2.0 authorization server on 127.0.0.1 (panva/oidc-provider v9), for the
 * oauth2-client-credentials adapter's tests, the local stand-in and the demo.
 *
 * Enabled: client credentials grant (RFC 6749 §4.4), introspection (RFC 7662), revocation (RFC 7009).
 * Scopes: oidc-provider only lets a client-credentials request carry scopes the client is allowed
 * (`scope` client metadata, checked against the provider's `scopes` list; lib/helpers/grant_authorization.js).
 * Resource indicators (RFC 8707) stay at their v9 default (enabled) but no request names a resource and
 * `defaultResource` returns nothing, so tokens are opaque `ClientCredentials` tokens carrying the requested
 * scopes, which introspection reports as `scope`. (With a resource, the token would be a resource-server
 * token whose scopes come from `getResourceServerInfo` and introspection would be refused to other clients.)
 */
export interface OAuthClient {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Scopes this client may request. @default DEFAULT_SCOPES */
  readonly scopes?: readonly string[];
}

export interface OAuthServerOptions {
  /** 0 = any free port. */
  readonly port: number;
  /** @default one client, `tokenwarden-qa` / `local-only-client-secret` */
  readonly clients?: readonly OAuthClient[];
  /** Lifetime of issued tokens in seconds. @default 86400 */
  readonly tokenTtlSeconds?: number;
}

export interface RunningOAuthServer {
  readonly url: string;
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly revocationUrl: string;
  close(): Promise<void>;
}

export const DEFAULT_SCOPES = ['orders:read', 'orders:write', 'reports:read'] as const;
export const DEFAULT_CLIENT: OAuthClient = { clientId: 'tokenwarden-qa', clientSecret: 'local-only-client-secret' };

interface PolicyClient {
  readonly clientId: string;
}
interface PolicyToken {
  readonly clientId?: string;
}
function ownTokenOnly(_ctx: unknown, client: PolicyClient, token: PolicyToken): boolean {
  return token.clientId === undefined || token.clientId === client.clientId;
}

/** Starts the server on 127.0.0.1; `close()` stops it. */
export async function startOAuthServer(options: OAuthServerOptions): Promise<RunningOAuthServer> {
  const clients = options.clients ?? [DEFAULT_CLIENT];
  const allScopes = new Set<string>(DEFAULT_SCOPES);
  for (const c of clients) for (const s of c.scopes ?? DEFAULT_SCOPES) allScopes.add(s);
  const ttl = options.tokenTtlSeconds ?? 86_400;
  // The issuer must name the real port, which is only known after listen: bind first, then mount.
  let callback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer((req, res) => {
    if (callback) callback(req, res);
    else res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.port, { cause: error }) : error),
    );
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(url, {
    clients: clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: [...(c.scopes ?? DEFAULT_SCOPES)].join(' '),
    })),
    scopes: [...allScopes],
    features: {
      clientCredentials: { enabled: true },
      // A client may introspect and revoke only its own tokens.
      introspection: { enabled: true, allowedPolicy: ownTokenOnly },
      revocation: { enabled: true, allowedPolicy: ownTokenOnly },
      devInteractions: { enabled: false },
    },
    ttl: { ClientCredentials: ttl },
    // Local only: a fixed cookie key silences the dev warning; no cookies are used by these grants.
    cookies: { keys: ['tokenwarden-local-only'] },
  });
  // Plain http on 127.0.0.1: oidc-provider allows it for a non-https issuer in development.
  provider.proxy = false;
  callback = provider.callback();
  return {
    url,
    tokenUrl: `${url}/token`,
    introspectionUrl: `${url}/token/introspection`,
    revocationUrl: `${url}/token/revocation`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
