import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * SDK clients, built once per Lambda container (STYLE.md §4). They honour AWS_ENDPOINT_URL, which is
 * how the local stand-in is reached. Bounded retries: the SDK's standard mode with 3 attempts.
 */
const common = { maxAttempts: 3 } as const;

// `__PURE__`: a bundle that never uses a client drops it (and its SDK package) at build time, so the
// rotation bundles carry no SNS or EventBridge code. https://esbuild.github.io/api/#ignore-annotations

export const secretsManager = /* @__PURE__ */ new SecretsManagerClient(common);
export const eventBridge = /* @__PURE__ */ new EventBridgeClient(common);
export const sns = /* @__PURE__ */ new SNSClient(common);
