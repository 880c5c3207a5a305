import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Repository root, found from this file so entries resolve the same from `cdk synth`, tests and the CLI. */
const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Why the CDK-made AWS::IAM::Policy of a role is not a customer-managed policy (NIST.800.53.R5-IAMNoInlinePolicy). */
export const INLINE_POLICY_REASON =
  'This AWS::IAM::Policy holds CDK grants for exactly one role created here and lives and dies with it; a customer-managed policy would add a resource nothing else attaches';

/** Lambda's own limits. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
const MAX_TIMEOUT_SECONDS = 900;
const MIN_MEMORY_MB = 128;
const MAX_MEMORY_MB = 10_240;

/** Props of {@link TokenwardenFunction}. */
export interface TokenwardenFunctionProps {
  /**
   * Absolute path of the handler file, `.../lambdas/<name>/handler.ts` (the thin handler; STYLE.md rec. 2).
   * Use {@link TokenwardenFunction.entryFor} for the functions under `lambdas/`.
   */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Explicit on purpose: every function states how long it may run (cdk-nag Serverless rules). */
  readonly timeout: Duration;
  /** Explicit on purpose: memory also buys CPU on Lambda. */
  readonly memorySize: number;
  /** Configuration the handler reads once at cold start (`getRequiredEnv`). @default - only NODE_OPTIONS */
  readonly environment?: Record<string, string>;
  /** How long the function's logs are kept. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Queue for events an asynchronous invocation failed to process after Lambda's retries. Only async
   * callers (EventBridge rules, Scheduler without its own DLQ) use it.
   * @default - no dead-letter queue: failures are visible in the function's error metric only
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Reserved concurrency, e.g. to keep a provider's rotation from exceeding its rate limit.
   * @default - unreserved: the function shares the account's concurrency pool
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Build-time constants (esbuild `define`), e.g. `process.env.TOKENWARDEN_INVENTORY` inlined into the bundle:
   * unlike environment variables they are not limited to 4 KB, and they never show in the console.
   * Keys are identifiers, values JSON expressions (`JSON.stringify(text)` for a string). Never a secret value:
   * the bundle is stored as a deployment asset.
   * @default - none
   */
  readonly define?: Record<string, string>;
}

/**
 * The one place function defaults live (STYLE.md rec. 12/13), so every tokenwarden Lambda gets the
 * same runtime, architecture, tracing, log retention and bundling:
 * - Node.js 22 on ARM64 (pinned, not NODEJS_LATEST, so the runtime never changes under us);
 * - X-Ray active tracing; its own log group with a retention; `--enable-source-maps` for readable traces;
 * - an execution role that may write only to that log group (no AWSLambdaBasicExecutionRole with `*`);
 * - ESM bundle, minified with source maps, names kept for error classes (`error.name` is part of our
 *   error contract: TokenInvalidError, ProviderUnavailableError ...).
 *
 * The AWS SDK v3 comes from the Node.js 22 runtime, not the bundle: bundled, @smithy/@aws-sdk core and
 * credential providers were ~270 KB of every ~450 KB bundle, over the 300 KB budget and slower to load
 * at cold start (bench/ measures both). The runtime's SDK is patched by AWS, and the calls the functions
 * make (Secrets Manager incl. BatchGetSecretValue since 2023, EventBridge PutEvents, SNS Publish) are
 * long-stable in every SDK the nodejs22.x runtime has shipped. Tests run against the locked version.
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html (runtime SDK), NodejsFunction README `bundleAwsSDK`.
 */
export class TokenwardenFunction extends Construct implements iam.IGrantable {
  public readonly function: nodejs.NodejsFunction;
  /** The function's role, so grants read `token.grantRead(fn)`. */
  public readonly grantPrincipal: iam.IPrincipal;
  public readonly logGroup: logs.LogGroup;
  /** The execution role; grant through the resource (`token.grantRead(fn)`), not on the role. */
  public readonly role: iam.Role;

  /** `lambdas/<name>/handler.ts` of this repository, as an absolute path. */
  public static entryFor(name: string): string {
    return join(REPO_ROOT, 'lambdas', name, 'handler.ts');
  }

  /** @throws Error naming this construct's path and the prop when a prop is out of range or the entry is missing */
  public constructor(scope: Construct, id: string, props: TokenwardenFunctionProps) {
    super(scope, id);
    validate(this.node.path, props);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Logs hold no token values (never logged); they follow the function when it is removed.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${this.node.path}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      tracing: lambda.Tracing.ACTIVE,
      timeout: props.timeout,
      memorySize: props.memorySize,
      logGroup: this.logGroup,
      role: this.role,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      bundling: {
        minify: true,
        sourceMap: true,
        keepNames: true,
        target: 'node22',
        format: nodejs.OutputFormat.ESM,
        // Prefer the ESM build of dependencies that ship both, so esbuild can tree-shake them.
        mainFields: ['module', 'main'],
        // Default externals: @aws-sdk/* from the runtime (see the class comment).
        bundleAwsSDK: false,
        ...(props.define ? { define: props.define } : {}),
        // Some bundled CommonJS dependencies call require() on Node built-ins, which an ESM bundle lacks;
        // define it from import.meta.url. https://github.com/evanw/esbuild/issues/1921
        banner:
          "import { createRequire as __twCreateRequire } from 'node:module'; const require = __twCreateRequire(import.meta.url);",
      },
    });

    this.grantPrincipal = this.function.grantPrincipal;

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Runtime pinned on purpose to nodejs22.x (TOOLCHAIN.md): NODEJS_LATEST would change the runtime under tested code; move to a newer runtime in one reviewed change',
    });
    Validations.of(this.function).acknowledge({
      id: 'NIST.800.53.R5-LambdaInsideVPC',
      reason:
        'The functions reach provider APIs on the internet and AWS public endpoints, nothing private: a VPC would add NAT and ENIs without narrowing where they can connect',
    });
    Validations.of(this.logGroup).acknowledge({
      id: 'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      reason:
        'The logs hold no token value (names, ARNs, version ids; canary tests assert it) and are encrypted at rest by CloudWatch Logs; a CMK would add a logs.amazonaws.com statement to the secrets key for nothing secret',
    });
    // Tracing.ACTIVE adds xray:PutTraceSegments / PutTelemetryRecords, which take no resource ARN.
    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html)',
      });
      Validations.of(policy).acknowledge({ id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason: INLINE_POLICY_REASON });
    }
  }
}

function validate(path: string, props: TokenwardenFunctionProps): void {
  const problems: string[] = [];
  if (basename(props.entry) !== 'handler.ts') {
    problems.push(`props.entry: expected a lambdas/<name>/handler.ts file, got ${props.entry}`);
  } else if (!existsSync(props.entry)) {
    problems.push(`props.entry: ${props.entry} does not exist`);
  }
  const seconds = props.timeout.toSeconds();
  if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    problems.push(`props.timeout: must be between 1 and ${MAX_TIMEOUT_SECONDS} seconds, got ${seconds}`);
  }
  if (
    !Token.isUnresolved(props.memorySize) &&
    (!Number.isInteger(props.memorySize) || props.memorySize < MIN_MEMORY_MB || props.memorySize > MAX_MEMORY_MB)
  ) {
    problems.push(
      `props.memorySize: must be a whole number of MB from ${MIN_MEMORY_MB} to ${MAX_MEMORY_MB}, got ${props.memorySize}`,
    );
  }
  const reserved = props.reservedConcurrentExecutions;
  if (reserved !== undefined && (!Number.isInteger(reserved) || reserved < 0)) {
    problems.push(`props.reservedConcurrentExecutions: must be a whole number >= 0, got ${reserved}`);
  }
  if (props.environment && 'NODE_OPTIONS' in props.environment) {
    problems.push(
      'props.environment: NODE_OPTIONS is set by TokenwardenFunction (--enable-source-maps); do not override it',
    );
  }
  if (problems.length > 0) throw new Error(`${path}: ${problems.join('; ')}`);
}
