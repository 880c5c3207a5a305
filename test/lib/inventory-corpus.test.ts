import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError, parseInventory } from '../../lib/inventory/load';

/**
 * The malformed-inventory corpus: every `<case>.yaml` under test/fixtures/inventory has a sibling
 * `<case>.expected.txt` holding the exact lines the loader must print (`file:line:col field: message`).
 * To add a case, add both files; the file name doubles as the environment name.
 */
const DIR = join('test', 'fixtures', 'inventory');
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

describe('inventory loader on the malformed corpus', () => {
  it('has at least 25 cases, each with its expected messages', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const expectedFiles = readdirSync(DIR).filter((f) => f.endsWith('.expected.txt'));
    expect(expectedFiles.map((f) => f.replace(/\.expected\.txt$/, '')).sort()).toEqual(cases);
  });

  it.each(cases)('reports exactly the expected problems for %s.yaml', (name) => {
    // GIVEN
    const text = readFileSync(join(DIR, `${name}.yaml`), 'utf8');
    const expected = readFileSync(join(DIR, `${name}.expected.txt`), 'utf8').trimEnd();
    // WHEN
    let thrown: unknown;
    try {
      parseInventory(text, `${name}.yaml`);
    } catch (error) {
      thrown = error;
    }
    // THEN
    expect(thrown).toBeInstanceOf(InventoryError);
    const error = thrown as InventoryError;
    expect(error.message).toBe(expected);
    // Fixtures mark pasted credentials with CANARY; no message may repeat them.
    expect(error.message).not.toContain('CANARY');
    for (const problem of error.problems) {
      expect(problem.file).toBe(`${name}.yaml`);
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.column).toBeGreaterThanOrEqual(1);
    }
  });
});
