import type { Command } from './types.js';

/**
 * Every subcommand, in the order `slipway --help` lists them. Each lives in its own
 * file; add one import and one entry here per subcommand.
 */
export const commands: readonly Command[] = [
];
