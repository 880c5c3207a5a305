import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../lib/inventory/load';
import { PROVIDER_NAMES } from '../../lambdas/providers/catalog';
import { PROVIDER_SETTINGS } from '../../lambdas/providers/settings';

const readme = readFileSync('README.md', 'utf8');

describe('README.md', () => {
  it('has a complete inventory example that the loader accepts', () => {
    // GIVEN the first yaml block of the "Inventory format" section
    const section = readme.slice(readme.indexOf('## Inventory format'));
    const example = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    // WHEN / THEN
    const inventory = parseInventory(example ?? '', 'staging.yaml');
    expect(inventory.tokens.map((t) => t.name)).toEqual(['gitlab-ci', 'orders-api', 'status-page']);
    expect(inventory.ci).toHaveLength(3);
  });

  it('shows the loader’s real output for a file with several mistakes', () => {
    const expected = readFileSync('test/fixtures/inventory/several-errors.expected.txt', 'utf8').trimEnd().split('\n');
    for (const line of expected) expect(readme).toContain(`test/fixtures/inventory/${line}`);
  });

  it('documents every provider and every provider setting', () => {
    const table = readme.slice(readme.indexOf('### Providers and their settings'));
    for (const provider of PROVIDER_NAMES) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${provider}\` |`));
      expect(row, `row for ${provider}`).toBeDefined();
      for (const setting of Object.keys(PROVIDER_SETTINGS[provider].shape)) {
        expect(row, `${provider} setting ${setting}`).toContain(`\`${setting}\``);
      }
    }
  });
});
