import { existsSync, readFileSync } from 'node:fs';
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

  it('calls nothing "planned": every part it describes is built', () => {
    // The README was once written ahead of the code; "planned" marked parts not yet merged.
    const lines = readme.split('\n').filter((line) => /\bplanned\b/i.test(line));
    expect(lines).toEqual([]);
  });

  it('maps every architecture box to a folder or file that exists', () => {
    const diagram = /```mermaid\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const paths = [...diagram.matchAll(/\b((?:lib|lambdas|cli|local|bin)\/[\w./-]*)/g)].map((m) => m[1] ?? '');
    expect(paths.length).toBeGreaterThanOrEqual(10);
    expect(paths.filter((path) => !existsSync(path))).toEqual([]);
  });

  it('documents the same exit codes as docs/cli.md', () => {
    const codes = (text: string, heading: string) => {
      const section = text.slice(text.indexOf(heading));
      return [...section.matchAll(/^\| (\d|child's) \| (.*) \|$/gm)].slice(0, 5).map((m) => `${m[1]} ${m[2]}`);
    };
    const cliDoc = readFileSync('docs/cli.md', 'utf8');
    expect(codes(readme, 'Exit codes (')).toEqual(codes(cliDoc, '## Exit codes'));
    expect(codes(readme, 'Exit codes (')).toHaveLength(5);
  });

  it('quick start and tests name only scripts package.json has', () => {
    const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: object }).scripts);
    const between = (from: string, to: string) => readme.slice(readme.indexOf(from), readme.indexOf(to));
    const ours = between('## Quick start', '## Local stand-in') + between('## Tests', '## Command line');
    const used = [...ours.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)].map((m) => m[1] ?? m[2] ?? '');
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !scripts.includes(name))).toEqual([]);
  });
});
