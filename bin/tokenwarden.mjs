#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader, so no build step is needed.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
await main();
