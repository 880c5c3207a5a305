import 'aws-sdk-client-mock-vitest/extend';

// Powertools logs as pretty JSON in dev mode; tests never need real AWS credentials.
process.env.POWERTOOLS_DEV ??= 'true';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
// CDK: never bundle Lambda code in unit tests (aws/aws-cdk#12844); the bundling smoke test opts back in.
process.env.CDK_CONTEXT_JSON ??= JSON.stringify({ 'aws:cdk:bundling-stacks': [] });
