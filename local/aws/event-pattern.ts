/**
 * EventBridge content filtering, for the local event router. Implements the documented rules
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html and
 * eb-create-pattern-operators.html):
 * - every field named in the pattern must match (AND); the values in a field's array are ORed;
 * - a nested object in the pattern matches the nested object in the event;
 * - when the event's value is an array, the field matches if any element matches;
 * - operators: exact value (string, number, boolean, null), `prefix`, `suffix`, `equals-ignore-case`,
 *   `anything-but` (value, list, or `{prefix}`/`{suffix}`), `exists`, `numeric`, `wildcard`, and `$or`.
 */

/** A pattern or event as parsed JSON. */
export type JsonObject = { readonly [key: string]: unknown };

/** An invalid pattern; the message names the offending field. */
export class EventPatternError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'EventPatternError';
  }
}

/** True when `event` (the delivered envelope, `detail` as an object) matches `pattern`. */
export function matchesPattern(pattern: JsonObject, event: JsonObject): boolean {
  return matchObject(pattern, event, '');
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matchObject(pattern: JsonObject, event: JsonObject | undefined, path: string): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(rule)) throw new EventPatternError(`${path}$or must be an array of patterns`);
      if (!rule.some((alternative) => isObject(alternative) && matchObject(alternative, event, path))) return false;
      continue;
    }
    const value = event?.[key];
    const where = `${path}${key}`;
    if (isObject(rule)) {
      if (!matchNested(rule, value, `${where}.`)) return false;
      continue;
    }
    if (!Array.isArray(rule)) throw new EventPatternError(`${where} must be an array or an object in the pattern`);
    if (!matchField(rule, value, where)) return false;
  }
  return true;
}

function matchNested(rule: JsonObject, value: unknown, path: string): boolean {
  if (Array.isArray(value)) return value.some((element) => isObject(element) && matchObject(rule, element, path));
  if (isObject(value)) return matchObject(rule, value, path);
  // An absent object can still satisfy `exists: false` leaves underneath.
  return matchObject(rule, undefined, path);
}

/** A leaf: the event value (or any element, for arrays) must match one of the pattern's values. */
function matchField(rule: readonly unknown[], value: unknown, where: string): boolean {
  const present = value !== undefined;
  const values = Array.isArray(value) ? value : present ? [value] : [];
  return rule.some((matcher) => {
    if (isObject(matcher) && 'exists' in matcher) {
      const wanted = matcher.exists;
      if (typeof wanted !== 'boolean') throw new EventPatternError(`${where}: exists takes true or false`);
      return wanted === (present && !(Array.isArray(value) && value.length === 0));
    }
    if (isObject(matcher) && 'anything-but' in matcher) {
      // anything-but needs a value to compare; an absent field does not match.
      return values.length > 0 && values.every((v) => !matchValue(matcher['anything-but'], v, where, true));
    }
    return values.some((v) => matchValue(matcher, v, where, false));
  });
}

function matchValue(matcher: unknown, value: unknown, where: string, inAnythingBut: boolean): boolean {
  if (Array.isArray(matcher)) {
    if (!inAnythingBut) throw new EventPatternError(`${where}: nested arrays are not allowed`);
    return matcher.some((m) => matchValue(m, value, where, true));
  }
  if (!isObject(matcher)) return matcher === value;
  const [operator, ...others] = Object.keys(matcher);
  if (operator === undefined || others.length > 0) {
    throw new EventPatternError(`${where}: a matcher object takes exactly one operator`);
  }
  const argument = matcher[operator];
  switch (operator) {
    case 'prefix':
      return matchAffix(argument, value, where, (v, a) => v.startsWith(a));
    case 'suffix':
      return matchAffix(argument, value, where, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      if (typeof argument !== 'string') throw new EventPatternError(`${where}: equals-ignore-case takes a string`);
      return typeof value === 'string' && value.toLowerCase() === argument.toLowerCase();
    case 'wildcard':
      if (typeof argument !== 'string') throw new EventPatternError(`${where}: wildcard takes a string`);
      return typeof value === 'string' && wildcardRegExp(argument).test(value);
    case 'numeric':
      return matchNumeric(argument, value, where);
    default:
      throw new EventPatternError(`${where}: unsupported operator ${operator}`);
  }
}

function matchAffix(
  argument: unknown,
  value: unknown,
  where: string,
  test: (value: string, affix: string) => boolean,
): boolean {
  if (typeof value !== 'string') return false;
  if (typeof argument === 'string') return test(value, argument);
  // { "prefix": { "equals-ignore-case": "..." } }
  if (isObject(argument) && typeof argument['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), argument['equals-ignore-case'].toLowerCase());
  }
  throw new EventPatternError(`${where}: prefix/suffix take a string`);
}

function wildcardRegExp(pattern: string): RegExp {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, 's');
}

const NUMERIC_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** `{"numeric": [">", 0, "<=", 5]}`: every comparison must hold. */
function matchNumeric(argument: unknown, value: unknown, where: string): boolean {
  if (!Array.isArray(argument) || argument.length === 0 || argument.length % 2 !== 0) {
    throw new EventPatternError(`${where}: numeric takes operator/number pairs`);
  }
  if (typeof value !== 'number') return false;
  for (let i = 0; i < argument.length; i += 2) {
    const compare = NUMERIC_OPERATORS[String(argument[i])];
    const bound = argument[i + 1];
    if (!compare || typeof bound !== 'number') {
      throw new EventPatternError(`${where}: numeric takes operator/number pairs`);
    }
    if (!compare(value, bound)) return false;
  }
  return true;
}
