import type { Command } from './types.js';
import { lintCommand } from './lint.js';
import { parseCommand } from './parse.js';
import { imagesCommand } from './images.js';
import { imageInspectCommand } from './image-inspect.js';
import { historyCommand } from './history.js';
import { tagCommand } from './tag.js';
import { rmiCommand } from './rmi.js';
import { saveCommand } from './save.js';
import { loadCommand } from './load.js';
import { pruneCommand } from './prune.js';
import { storeVerifyCommand } from './store-verify.js';
import { loginCommand } from './login.js';
import { logoutCommand } from './logout.js';
import { pullCommand } from './pull.js';
import { pushCommand } from './push.js';
import { buildCommand } from './build.js';
import { outlineCommand } from './outline.js';
import { targetsCommand } from './targets.js';

/**
 * Every subcommand, in the order `slipway --help` lists them. Each lives in its own
 * file; add one import and one entry here per subcommand.
 */
export const commands: readonly Command[] = [
  buildCommand,
  lintCommand,
  parseCommand,
  outlineCommand,
  targetsCommand,
  pullCommand,
  pushCommand,
  loginCommand,
  logoutCommand,
  imagesCommand,
  imageInspectCommand,
  historyCommand,
  tagCommand,
  rmiCommand,
  saveCommand,
  loadCommand,
  pruneCommand,
  storeVerifyCommand,
];
