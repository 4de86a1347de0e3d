import type { Command } from './types.js';

/**
 * Every subcommand, in the order `slipway --help` lists them, by the names (and aliases)
 * that select it. Each lives in its own file and is loaded only when it runs, so a
 * command pays for its own imports alone (the linter never loads the builder). Add one
 * entry per subcommand; a test checks names and aliases against the loaded commands.
 */
export interface CommandEntry {
  readonly name: string;
  readonly aliases?: readonly string[];
  load(): Promise<Command>;
}

export const commands: readonly CommandEntry[] = [
  { name: 'build', load: async () => (await import('./build.js')).buildCommand },
  { name: 'lint', load: async () => (await import('./lint.js')).lintCommand },
  { name: 'parse', load: async () => (await import('./parse.js')).parseCommand },
  { name: 'outline', load: async () => (await import('./outline.js')).outlineCommand },
  { name: 'targets', load: async () => (await import('./targets.js')).targetsCommand },
  { name: 'pull', aliases: ['image pull'], load: async () => (await import('./pull.js')).pullCommand },
  { name: 'push', aliases: ['image push'], load: async () => (await import('./push.js')).pushCommand },
  { name: 'login', load: async () => (await import('./login.js')).loginCommand },
  { name: 'logout', load: async () => (await import('./logout.js')).logoutCommand },
  { name: 'images', aliases: ['image ls', 'image list'], load: async () => (await import('./images.js')).imagesCommand },
  { name: 'image inspect', load: async () => (await import('./image-inspect.js')).imageInspectCommand },
  { name: 'history', aliases: ['image history'], load: async () => (await import('./history.js')).historyCommand },
  { name: 'tag', aliases: ['image tag'], load: async () => (await import('./tag.js')).tagCommand },
  { name: 'rmi', aliases: ['image rm'], load: async () => (await import('./rmi.js')).rmiCommand },
  { name: 'save', aliases: ['image save'], load: async () => (await import('./save.js')).saveCommand },
  { name: 'load', aliases: ['image load'], load: async () => (await import('./load.js')).loadCommand },
  { name: 'prune', aliases: ['image prune', 'system prune'], load: async () => (await import('./prune.js')).pruneCommand },
  { name: 'store verify', load: async () => (await import('./store-verify.js')).storeVerifyCommand },
];
