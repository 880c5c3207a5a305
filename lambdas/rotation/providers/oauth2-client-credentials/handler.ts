import { createOAuth2Adapter } from '../../../providers/oauth2-client-credentials';
import { createRotationHandler } from '../../create-handler';

/**
 * Rotation Lambda of provider oauth2-client-credentials: its bundle holds this adapter only
 * (lib/constructs/rotation-functions.ts). Introspection authenticates as the client, whose secret is
 * the token's admin secret (lambdas/providers/registry.ts does the same for the probe).
 */
export const handler = createRotationHandler('oauth2-client-credentials', ({ readAdminSecret }) =>
  createOAuth2Adapter({
    readClientSecret: async (ctx) => {
      if (!ctx.adminSecret) throw new Error(`token ${ctx.name} has no adminSecret holding its client secret`);
      return readAdminSecret(ctx.adminSecret);
    },
  }),
);
