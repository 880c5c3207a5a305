import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoredSecret, StoredVersion } from './secrets-store';

/**
 * Persists the stand-in's secrets (versions, labels, tags, rotation configuration) as JSON so a
 * restart keeps them. The file holds token VALUES in plain text on the local disk, so it is written
 * with mode 0600 (owner only) and atomically (temp file + rename) so a crash never leaves half a file.
 */

interface PersistedState {
  readonly version: 1;
  readonly secrets: readonly StoredSecret[];
}

const DATE_FIELDS = [
  'createdDate',
  'lastChangedDate',
  'lastAccessedDate',
  'deletedDate',
  'deletionDate',
  'lastRotatedDate',
  'nextRotationDate',
] as const;

/** Writes the secrets to `path` (0600, atomic). */
export function saveState(path: string, secrets: readonly StoredSecret[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const state: PersistedState = { version: 1, secrets };
  writeFileSync(temp, JSON.stringify(state), { mode: 0o600 });
  // writeFileSync's mode only applies when it creates the file; make sure of it.
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

/** Reads the secrets from `path`; none when the file does not exist. Throws on a corrupt file. */
export function loadState(path: string): StoredSecret[] {
  if (!existsSync(path)) return [];
  const state = JSON.parse(readFileSync(path, 'utf8')) as PersistedState;
  if (state.version !== 1 || !Array.isArray(state.secrets)) {
    throw new Error(`${path} is not a tokenwarden stand-in state file (expected version 1)`);
  }
  return state.secrets.map((raw) => {
    const secret = { ...raw } as StoredSecret;
    const dated = secret as unknown as Record<string, unknown>;
    for (const field of DATE_FIELDS) {
      const value = dated[field];
      dated[field] = typeof value === 'string' ? new Date(value) : undefined;
    }
    secret.versions = raw.versions.map(
      (v: StoredVersion): StoredVersion => ({
        ...v,
        createdDate: new Date(v.createdDate as unknown as string),
        lastAccessedDate: v.lastAccessedDate ? new Date(v.lastAccessedDate as unknown as string) : undefined,
      }),
    );
    return secret;
  });
}
