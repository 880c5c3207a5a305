import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../lib/inventory/duration';
import { InventoryError, loadEnvironment, parseInventory } from '../../lib/inventory/load';

describe('inventory', () => {
  describe('parseDuration', () => {
    it('reads days, hours and minutes', () => {
      expect(parseDuration('30d')).toBe(30 * 86_400_000);
      expect(parseDuration('4h')).toBe(4 * 3_600_000);
      expect(parseDuration('15m')).toBe(15 * 60_000);
    });
    it('rejects anything else', () => {
      expect(parseDuration('4 hours')).toBeUndefined();
      expect(parseDuration('0d')).toBeUndefined();
    });
  });

  describe('loadEnvironment', () => {
    it('loads every shipped inventory', () => {
      for (const env of ['local', 'qa']) expect(loadEnvironment('inventory', env).name).toBe(env);
    });
    it('lists the available environments when the name is unknown', () => {
      expect(() => loadEnvironment('inventory', 'prod')).toThrow(/available: local, qa/);
    });
  });

  describe('parseInventory', () => {
    it('reports a rotation faster than 4h with file, line, column and field', () => {
      const text = [
        'name: x',
        'account: "123456789012"',
        'region: eu-west-1',
        'tokens:',
        '  - name: a',
        '    provider: gitlab',
        '    owner: "@t"',
        '    rotation: { every: 1h }',
      ].join('\n');
      expect(() => parseInventory(text, 'x.yaml')).toThrow(InventoryError);
      expect(() => parseInventory(text, 'x.yaml')).toThrow(
        /^x\.yaml:8:\d+ tokens\[0\]\.rotation\.every: rotates more often/,
      );
    });
  });
});
