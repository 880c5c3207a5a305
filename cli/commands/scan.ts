import { type Dirent, existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { fingerprint, sameFingerprint } from '../../lambdas/shared/fingerprint';
import { TAG, fingerprintKeySecretName } from '../../lambdas/shared/names';
import { parseSecretValue } from '../../lambdas/shared/secret-value';
import { explainAwsError } from '../aws';
import type { CliDeps } from '../deps';
import { CliError, EXIT } from '../errors';
import { Output } from '../output';
import { batchRead, listManagedSecrets, loadEnv, tagsOf } from '../tokens';

export interface ScanOptions {
  /** Environment whose managed tokens are looked for; without it only secretlint runs. */
  readonly env?: string;
  readonly fail: boolean;
  readonly json: boolean;
  /** Base for printed paths. @default process.cwd() */
  readonly cwd?: string;
}

/** One finding; never contains the value. */
export interface ScanFinding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** `managed-token` (fingerprint match) or the secretlint rule id. */
  readonly rule: string;
  /** The managed token that leaked, for fingerprint matches. */
  readonly token?: string;
  readonly message: string;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'cdk.out', 'coverage', '.local-state']);
const MAX_FILE_BYTES = 1024 * 1024;
/** Token-like runs; the second form drops `=`/`:` separators so `KEY=value` still yields `value`. */
const CANDIDATE_PATTERNS = [/[A-Za-z0-9_\-.+/=~:]{8,}/g, /[A-Za-z0-9_\-.+/~]{8,}={0,2}/g];

/**
 * `tokenwarden scan [paths...]`: plaintext secrets (secretlint's recommended rules) and the exact values
 * of this environment's managed tokens, found by keyed fingerprint so the scan holds fingerprints, not
 * a list of values to grep for.
 * @returns 0, or 2 with `--fail` when something was found
 */
export async function scan(paths: readonly string[], options: ScanOptions, deps: CliDeps): Promise<number> {
  const out = new Output(deps, options.json);
  const cwd = options.cwd ?? process.cwd();
  // A mistyped path must not make `scan --fail` pass on zero files.
  for (const path of paths) {
    if (!existsSync(path)) throw new CliError(`${path}: no such file or directory; give files or folders to scan`);
  }
  const managed = options.env || deps.env['TOKENWARDEN_ENV'] ? await managedFingerprints(options.env, deps) : undefined;
  const findings: ScanFinding[] = [];
  let files = 0;
  for (const file of walk(paths.length > 0 ? paths : ['.'])) {
    const content = readText(file);
    if (content === undefined) continue;
    files++;
    const shown = relative(cwd, file) || file;
    if (managed) findings.push(...fingerprintFindings(shown, content, managed));
    const result = await lintSource({
      source: { content, filePath: file, contentType: 'text' },
      options: {
        config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }] },
        maskSecrets: true,
      },
    });
    for (const message of result.messages) {
      findings.push({
        file: shown,
        line: message.loc.start.line,
        column: message.loc.start.column + 1,
        rule: message.ruleId,
        // messageId, not message: a rule's message text may quote what it matched.
        message: `looks like a secret (${message.messageId})`,
      });
    }
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  if (out.json) out.writeJson({ files, findings });
  else {
    for (const f of findings) {
      const what = f.token
        ? `${out.paint('red', 'managed token leaked')}: ${f.token}; rotate it: tokenwarden rotate ${f.token} --wait (manual tokens: issue a new one, then tokenwarden put)`
        : `${out.paint('yellow', f.rule)}: ${f.message}`;
      out.line(`${f.file}:${f.line}:${f.column} ${what}`);
    }
    out.note(
      `${findings.length} finding(s) in ${files} file(s)${managed ? '' : ' (managed tokens not checked: pass --env)'}`,
    );
  }
  return options.fail && findings.length > 0 ? EXIT.token : EXIT.ok;
}

interface ManagedFingerprints {
  readonly key: string;
  /** fingerprint → `<env>/<token>` */
  readonly byFingerprint: ReadonlyMap<string, string>;
}

async function managedFingerprints(envOption: string | undefined, deps: CliDeps): Promise<ManagedFingerprints> {
  const inventory = loadEnv(envOption, deps);
  const env = inventory.name;
  const client = deps.secrets(inventory);
  let key: string | undefined;
  try {
    key = (await client.send(new GetSecretValueCommand({ SecretId: fingerprintKeySecretName(env) }))).SecretString;
  } catch (error) {
    throw explainAwsError(error, `reading the fingerprint key of ${env}`);
  }
  if (!key)
    throw explainAwsError(new Error('the fingerprint key secret is empty'), `reading the fingerprint key of ${env}`);
  const byFingerprint = new Map<string, string>();
  const unfingerprinted: string[] = [];
  const nameOf = new Map<string, string>();
  for (const entry of await listManagedSecrets(client, env)) {
    const tags = tagsOf(entry);
    const label = `${env}/${tags[TAG.token] ?? entry.Name?.split('/').pop()}`;
    const tagged = tags[TAG.fingerprint];
    if (tagged) byFingerprint.set(tagged, label);
    else if (entry.Name) {
      unfingerprinted.push(entry.Name);
      nameOf.set(entry.Name, label);
    }
  }
  // The probe has not fingerprinted these yet: compute from the values, keeping only the HMAC.
  for (const [name, read] of await batchRead(client, unfingerprinted)) {
    if (read.kind !== 'value') continue;
    const parsed = parseSecretValue(read.secretString);
    if (parsed.kind === 'ok') byFingerprint.set(fingerprint(parsed.value.token, key), nameOf.get(name) ?? name);
  }
  return { key, byFingerprint };
}

function fingerprintFindings(file: string, content: string, managed: ManagedFingerprints): ScanFinding[] {
  const findings: ScanFinding[] = [];
  content.split('\n').forEach((text, i) => {
    const seen = new Set<string>();
    for (const pattern of CANDIDATE_PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        const candidate = match[0];
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        const print = fingerprint(candidate, managed.key);
        for (const [known, token] of managed.byFingerprint) {
          if (sameFingerprint(print, known)) {
            findings.push({
              file,
              line: i + 1,
              column: (match.index ?? 0) + 1,
              rule: 'managed-token',
              token,
              message: `value of managed token ${token}`,
            });
          }
        }
      }
    }
  });
  return findings;
}

function* walk(paths: readonly string[]): Generator<string> {
  for (const path of paths) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isFile()) {
      if (stat.size <= MAX_FILE_BYTES) yield path;
      continue;
    }
    if (!stat.isDirectory()) continue;
    let entries: Dirent[];
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      if (entry.isDirectory() && SKIP_DIRS.has(entry.name)) continue;
      if (entry.isDirectory() || entry.isFile()) yield* walk([join(path, entry.name)]);
    }
  }
}

/** The file as text, or undefined for binaries (a NUL byte in the first 8 KiB, as git decides). */
function readText(file: string): string | undefined {
  let buffer: Buffer;
  try {
    buffer = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buffer.subarray(0, 8192).includes(0)) return undefined;
  return buffer.toString('utf8');
}
