import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * SDK clients, built once per Lambda container (STYLE.md §4). They honour AWS_ENDPOINT_URL, which is
 * how the local stand-in is reached. Bounded retries: the SDK's standard mode with 3 attempts.
 */
const common = { maxAttempts: 3 } as const;

export const secretsManager = new SecretsManagerClient(common);
export const eventBridge = new EventBridgeClient(common);
export const sns = new SNSClient(common);
