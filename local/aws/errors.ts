/**
 * An error in the AWS wire format: `code` is the modeled exception name the SDK maps back to its
 * class (`__type` in JSON 1.1 bodies, `<Code>` in awsQuery XML), `status` the HTTP status AWS uses.
 * Messages never contain a secret value.
 */
export class AwsApiError extends Error {
  public readonly code: string;
  public readonly status: number;

  public constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AwsApiError';
    this.code = code;
    this.status = status;
  }
}

/** Secrets Manager's modeled exceptions, with the messages the API reference and real responses use. */
export const smErrors = {
  secretNotFound: (): AwsApiError =>
    new AwsApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
  stageNotFound: (stage: string): AwsApiError =>
    new AwsApiError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for staging label: ${stage}`,
    ),
  versionNotFound: (versionId: string): AwsApiError =>
    new AwsApiError(
      'ResourceNotFoundException',
      `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
    ),
  markedForDeletion: (): AwsApiError =>
    new AwsApiError(
      'InvalidRequestException',
      "You can't perform this operation on the secret because it was marked for deletion.",
    ),
  invalidParameter: (message: string): AwsApiError => new AwsApiError('InvalidParameterException', message),
  invalidRequest: (message: string): AwsApiError => new AwsApiError('InvalidRequestException', message),
  exists: (message: string): AwsApiError => new AwsApiError('ResourceExistsException', message),
  invalidNextToken: (): AwsApiError => new AwsApiError('InvalidNextTokenException', 'The NextToken value is invalid.'),
} as const;
