import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretValueError } from './errors';

/**
 * Reads an admin secret (a provider's elevated credential, inventory `adminSecret`) as a string.
 * Only ever passed to an adapter; the value is never logged or returned anywhere else.
 * @throws SecretValueError when the secret holds binary data only
 */
export function adminSecretReader(secrets: Pick<SecretsManagerClient, 'send'>) {
  return async (secretName: string): Promise<string> => {
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretName }));
    if (out.SecretString === undefined) throw new SecretValueError(`admin secret ${secretName} has no string value`);
    return out.SecretString;
  };
}
