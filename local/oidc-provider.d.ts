/**
 * The part of oidc-provider v9's API that local/oauth-server.ts uses. The package ships no types and
 * @types/oidc-provider is not a dependency (the stand-in needs four members).
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    public constructor(issuer: string, configuration?: Record<string, unknown>);
    public proxy: boolean;
    public callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
