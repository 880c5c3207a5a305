/**
 * The AWS-compatible endpoint of the local stand-in (Secrets Manager, EventBridge, SNS on one port).
 * Start it with {@link startAwsStandIn}; point the SDK clients at its `url`.
 */
export { AwsApiError } from './errors';
export { EventPatternError, type JsonObject, matchesPattern } from './event-pattern';
export {
  type DeadLetter,
  type DeliveredEvent,
  type EventTarget,
  EventRouter,
  type RuleDefinition,
} from './event-router';
export {
  type RotationEvent,
  type RotationInvoker,
  SecretsStore,
  type ServiceEvent,
} from './secrets-store';
export {
  type AwsStandIn,
  type AwsStandInOptions,
  type FaultHook,
  type FaultRequest,
  type InjectedFault,
  type RequestLogEntry,
  startAwsStandIn,
} from './server';
export { type PublishedMessage, type SnsSubscriber, SnsTopics } from './sns-topics';
