import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node, YAMLError } from 'yaml';
import type { z } from 'zod';
import { crossFieldIssues, type Inventory, InventorySchema, KNOWN_KEYS } from './schema';
import { closest } from './suggest';

/** One thing wrong with an inventory file, located precisely enough to fix without searching. */
export interface InventoryProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Dotted field path, e.g. `tokens[2].rotation.every`. */
  readonly field: string;
  readonly message: string;
}

/** Thrown when an inventory file is invalid; carries every problem of the file, not only the first. */
export class InventoryError extends Error {
  public readonly problems: readonly InventoryProblem[];

  public constructor(problems: readonly InventoryProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'InventoryError';
    this.problems = problems;
  }
}

export function formatProblem(p: InventoryProblem): string {
  return `${p.file}:${p.line}:${p.column} ${p.field ? `${p.field}: ` : ''}${p.message}`;
}

/**
 * Parses and validates inventory YAML. `file` is only used in messages.
 * @throws InventoryError listing every problem with its line and column
 */
export function parseInventory(text: string, file: string): Inventory {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    throw new InventoryError(doc.errors.map((e) => ({ file, field: '', ...yamlProblem(e, text, at) })));
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InventoryError([
      { file, ...at(doc.contents?.range?.[0] ?? 0), field: '', message: topLevelProblem(raw) },
    ]);
  }
  const result = InventorySchema.safeParse(raw, { error: describeIssue });
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap((issue) => locate(issue, doc, file, at))),
    ...crossFieldIssues(raw).flatMap((issue) =>
      issue.atKey
        ? locateKey(issue.path, issue.message, doc, file, at)
        : locate({ ...issue, code: 'custom', input: undefined } as Issue, doc, file, at),
    ),
  ];
  if (!result.success || problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new InventoryError(problems);
  }
  const expected = basename(file).replace(/\.ya?ml$/, '');
  if (result.data.name !== expected) {
    const node = doc.get('name', true) as Node | undefined;
    throw new InventoryError([
      {
        file,
        ...at(node?.range?.[0] ?? 0),
        field: 'name',
        message: `environment "${result.data.name}" must be declared in ${result.data.name}.yaml (this file is ${basename(file)}); rename the file or the environment`,
      },
    ]);
  }
  return result.data;
}

/** Reads and validates `file`. @throws InventoryError */
export function loadInventory(file: string): Inventory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InventoryError([
      { file, line: 0, column: 0, field: '', message: `cannot read the file (${(error as Error).message})` },
    ]);
  }
  return parseInventory(text, file);
}

/** Environment names available in an inventory folder, from `<name>.yaml` files. */
export function listEnvironments(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => f.replace(/\.ya?ml$/, ''))
      .sort();
  } catch {
    return [];
  }
}

/** Loads `<dir>/<env>.yaml`, with an error listing the available environments when `env` is missing or unknown. */
export function loadEnvironment(dir: string, env: string | undefined): Inventory {
  const available = listEnvironments(dir);
  const choices = available.length > 0 ? available.join(', ') : `none: add ${dir}/<env>.yaml`;
  if (!env) {
    throw new Error(
      `no environment given: pass -c env=NAME (cdk) or --env NAME (cli); available in ${dir}: ${choices}`,
    );
  }
  if (!available.includes(env)) {
    throw new Error(`unknown environment "${env}": there is no ${dir}/${env}.yaml; available: ${choices}`);
  }
  const file = join(dir, `${env}.yaml`);
  return loadInventory(existsSync(file) ? file : join(dir, `${env}.yml`));
}

type Issue = z.core.$ZodIssue;

/** Human wording for zod's generic issues; schema-specific messages take precedence over this. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    const expected = { array: 'a list', object: 'a map', record: 'a map' }[issue.expected as string] ?? issue.expected;
    return `expected ${expected}, got ${describeValue(issue.input)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'array') return `needs at least ${issue.minimum} item(s)`;
  if (issue.code === 'too_small' && issue.origin === 'number')
    return `must be at least ${issue.minimum}, got ${String(issue.input)}`;
  if (issue.code === 'too_big' && issue.origin === 'number')
    return `must be at most ${issue.maximum}, got ${String(issue.input)}`;
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return undefined;
}

function describeValue(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  // Long strings are not echoed: a credential pasted into the wrong field must not reach logs or CI output.
  if (typeof value === 'string' && value.length > MAX_ECHOED_CHARS) return `a string of ${value.length} characters`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Longest written value an error message repeats; longer ones are described by their length only. */
const MAX_ECHOED_CHARS = 40;

function locate(
  issue: Issue,
  doc: Document,
  file: string,
  at: (offset: number) => { line: number; column: number },
): InventoryProblem[] {
  const path = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    const parent = nodeAt(doc, path);
    return issue.keys.map((key) => {
      const keyNode = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key)?.key : undefined;
      const suggestion = closest(key, KNOWN_KEYS);
      return {
        file,
        ...at((keyNode as Node | undefined)?.range?.[0] ?? parent?.range?.[0] ?? 0),
        field: formatPath([...path, key]),
        message: `unknown key "${key}"${suggestion ? `; did you mean "${suggestion}"?` : '; remove it'}`,
      };
    });
  }
  // A missing field has no node: point at the closest enclosing node that exists, and say it is missing.
  let node = nodeAt(doc, path);
  const missing = node === undefined && !isExplicitNull(doc, path);
  for (let depth = path.length - 1; depth >= 0 && !node; depth--) node = nodeAt(doc, path.slice(0, depth));
  const message = missing && !issue.message.startsWith('is required') ? `is required: ${issue.message}` : issue.message;
  return [{ file, ...at(node?.range?.[0] ?? 0), field: formatPath(path), message }];
}

/** A key written with no value (`owner:`) has a node (null scalar); it is "wrong type", not "missing". */
function isExplicitNull(doc: Document, path: (string | number)[]): boolean {
  return path.length > 0 && doc.hasIn(path);
}

/** Points at the key of `path` (for unknown keys), falling back to its map. */
function locateKey(
  path: (string | number)[],
  message: string,
  doc: Document,
  file: string,
  at: (offset: number) => { line: number; column: number },
): InventoryProblem[] {
  const parent = nodeAt(doc, path.slice(0, -1));
  const key = path[path.length - 1];
  const keyNode = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === key)?.key : undefined;
  return [
    {
      file,
      ...at((keyNode as Node | undefined)?.range?.[0] ?? parent?.range?.[0] ?? 0),
      field: formatPath(path),
      message,
    },
  ];
}

/** The message for a file whose top level is not a map (empty, only comments, a list, a scalar). */
function topLevelProblem(raw: unknown): string {
  const wanted =
    'an inventory is a map with at least name, account, region and tokens (see README.md "Inventory format")';
  if (raw === null || raw === undefined) return `the file is empty; ${wanted}`;
  return `expected a map at the top level, got ${describeValue(raw)}; ${wanted}`;
}

/** Locates and words a YAML parse error so the line shown is the one to fix. */
function yamlProblem(
  error: YAMLError,
  text: string,
  at: (offset: number) => { line: number; column: number },
): { line: number; column: number; message: string } {
  const first = error.message.split('\n')[0] ?? error.message;
  // yaml reports an unclosed quote at the end of the file; the fix is where the quote was opened.
  const quote = /^Missing closing (["'])quote/.exec(first)?.[1];
  if (error.code === 'MISSING_CHAR' && quote) {
    const opened = text.lastIndexOf(quote, error.pos[0] - 1);
    if (opened >= 0)
      return {
        ...at(opened),
        message: `YAML syntax: this ${quote}quoted${quote} string is never closed; add the closing ${quote}`,
      };
  }
  if (error.code === 'DUPLICATE_KEY') {
    const key = /^[^\s:#]+|^"[^"]*"|^'[^']*'/.exec(text.slice(error.pos[0]))?.[0];
    if (key)
      return {
        ...at(error.pos[0]),
        message: `YAML syntax: key ${key.replace(/^["']?(.*?)["']?$/, '"$1"')} appears twice in the same map; keep one`,
      };
  }
  return { ...at(error.pos[0]), message: `YAML syntax: ${first}` };
}

function nodeAt(doc: Document, path: (string | number)[]): Node | undefined {
  if (path.length === 0) return doc.contents ?? undefined;
  return (doc.getIn(path, true) as Node | undefined) ?? undefined;
}

/** `['tokens', 2, 'rotation']` → `tokens[2].rotation` */
export function formatPath(path: readonly (string | number | symbol)[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out ? `${out}.${String(part)}` : String(part);
  }, '');
}
