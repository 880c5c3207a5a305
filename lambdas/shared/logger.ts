import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';

/**
 * The one logger (STYLE.md §8): short constant messages, data in the second argument with stable keys
 * (`token`, `env`, `step`, `versionId`), never a value or a GetSecretValue response.
 */
export const logger = new Logger({ serviceName: 'tokenwarden' });

/** The narrow logger type core logic takes, so tests can pass a fake. */
export interface Log {
  debug(message: string, ...extra: object[]): void;
  info(message: string, ...extra: object[]): void;
  warn(message: string, ...extra: object[]): void;
  error(message: string, ...extra: (object | Error)[]): void;
}

/** A logger that drops everything, for tests and benchmarks. */
export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The shared logger behind the narrow `Log` type, for handlers to inject into cores. Powertools types
 * its extra arguments as attribute records; every object a core passes is one.
 */
export const log: Log = {
  debug: (message, ...extra) => logger.debug(message, ...(extra as LogAttributes[])),
  info: (message, ...extra) => logger.info(message, ...(extra as LogAttributes[])),
  warn: (message, ...extra) => logger.warn(message, ...(extra as LogAttributes[])),
  error: (message, ...extra) => logger.error(message, ...(extra as LogAttributes[])),
};
