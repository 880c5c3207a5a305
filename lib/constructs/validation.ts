/**
 * Synth-time checks shared by the constructs, so a bad prop fails at `cdk synth` with the construct
 * path and field instead of at deploy time inside CloudFormation.
 */

/** Same rule as the inventory schema's names (lib/inventory/schema.ts). */
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Tag values: at most 256 characters of letters, digits, spaces and `+ - = . _ : / @`.
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Tag.html
 */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Why `env` cannot name an environment, or undefined when it can. */
export function environmentNameProblem(env: string): string | undefined {
  return NAME.test(env)
    ? undefined
    : `expected an environment name of lowercase letters, digits and dashes (at most 63), got ${JSON.stringify(env)}`;
}

/** Why `name` cannot name a token, or undefined when it can. */
export function tokenNameProblem(name: string): string | undefined {
  return NAME.test(name)
    ? undefined
    : `expected a token name of lowercase letters, digits and dashes (at most 63), got ${JSON.stringify(name)}`;
}

/** Why `value` cannot be a Secrets Manager tag value, or undefined when it can. */
export function tagValueProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty (it becomes a tag value)';
  return TAG_VALUE.test(value)
    ? undefined
    : `becomes a tag value, which allows at most 256 letters, digits, spaces and + - = . _ : / @; got ${JSON.stringify(value)}`;
}
