import type { Inventory } from '../../lib/inventory/schema';

/**
 * The Lambdas' view of the inventory: the validated Inventory as JSON (durations already in ms).
 *
 * The stack inlines it into each bundle at synth time with esbuild's `define` on
 * `process.env.TOKENWARDEN_INVENTORY` (a rotation Lambda gets only its provider's tokens), so it is not
 * limited by Lambda's 4 KB of environment variables. Tests and the local stand-in set the variable.
 * It holds names, owners and settings, never a token value.
 */
export function inventoryFromEnv(): Inventory {
  // Read literally, not through getRequiredEnv(name): esbuild's define replaces only the exact expression
  // `process.env.TOKENWARDEN_INVENTORY`, and a dynamic lookup would miss the inlined inventory.
  const text = process.env.TOKENWARDEN_INVENTORY;
  if (text === undefined || text === '') throw new Error('TOKENWARDEN_INVENTORY environment variable is not set');
  try {
    return JSON.parse(text) as Inventory;
  } catch (error) {
    throw new Error('TOKENWARDEN_INVENTORY environment variable is not valid JSON', { cause: error });
  }
}

/** The subset of an inventory a rotation Lambda of one provider needs. */
export function inventoryForProvider(inventory: Inventory, provider: string): Inventory {
  return { ...inventory, ci: [], tokens: inventory.tokens.filter((t) => t.provider === provider) };
}
