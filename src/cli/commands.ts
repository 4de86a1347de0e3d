import type { Command } from './types.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { pullCommand } from './pull.js';
import { pushCommand } from './push.js';

/**
 * Every subcommand, in the order `slipway --help` lists them. Each lives in its own
 * file; add one import and one entry here per subcommand.
 */
export const commands: readonly Command[] = [
  pullCommand,
  pushCommand,
  loginCommand,
  logoutCommand,
];
