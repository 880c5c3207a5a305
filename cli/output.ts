import Table from 'cli-table3';
import type { Severity } from '../lambdas/health/states';
import type { CliDeps } from './deps';

const ANSI = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof ANSI;

/**
 * Human and machine output. Colour only on a terminal and never when NO_COLOR is set
 * (https://no-color.org/); `--json` writes one JSON document to stdout and nothing else there.
 */
export class Output {
  public readonly json: boolean;
  public readonly colour: boolean;
  private readonly deps: Pick<CliDeps, 'stdout' | 'stderr'>;

  public constructor(deps: Pick<CliDeps, 'stdout' | 'stderr' | 'isTTY' | 'env'>, json: boolean) {
    this.deps = deps;
    this.json = json;
    const noColor = deps.env['NO_COLOR'] !== undefined && deps.env['NO_COLOR'] !== '';
    this.colour = deps.isTTY && !noColor && !json;
  }

  public paint(colour: Colour, text: string): string {
    return this.colour ? `\u001b[${ANSI[colour]}m${text}\u001b[0m` : text;
  }

  /** A word in the colour of its severity. */
  public severity(severity: Severity, text: string): string {
    return this.paint(severity === 'critical' ? 'red' : severity === 'warning' ? 'yellow' : 'green', text);
  }

  public line(text = ''): void {
    this.deps.stdout(`${text}\n`);
  }

  /** Diagnostics and progress: stderr, so stdout stays clean for pipes and `--json`. */
  public note(text: string): void {
    this.deps.stderr(`${text}\n`);
  }

  public writeJson(data: unknown): void {
    this.deps.stdout(`${JSON.stringify(data, null, 2)}\n`);
  }

  public table(head: readonly string[], rows: readonly (readonly string[])[]): void {
    const table = new Table({
      head: head.map((h) => this.paint('bold', h)),
      // cli-table3 colours headers and borders itself; switch that off so NO_COLOR holds.
      style: { head: [], border: [] },
    });
    for (const row of rows) table.push([...row]);
    this.line(table.toString());
  }
}
