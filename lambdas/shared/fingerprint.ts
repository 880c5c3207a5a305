import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Keyed fingerprint of a token value: HMAC-SHA256 with the environment's fingerprint key (a secret the
 * stack owns, see `fingerprintKeySecretName`). Two managed tokens with the same value, or a managed
 * token pasted into a repository, are found by comparing fingerprints, never plaintext. Without the key
 * a fingerprint says nothing about the value, so it may be stored as a tag and shown in output.
 */
export function fingerprint(value: string, key: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('base64url');
}

/** Constant-time comparison of two fingerprints. */
export function sameFingerprint(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
