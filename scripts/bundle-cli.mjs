#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js and everything it imports, dependencies
 * included) into dist/cli/, one chunk per lazily loaded subcommand. Loading ~200 small
 * ES modules cost about 0.45 s per `slipway` run; the bundle loads in about 0.1 s. The
 * library (dist/src) stays unbundled. Run after `tsc` (npm run build does both).
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(repo, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
await build({
  // All in dist/cli itself: the tar worker is found next to the chunk that starts it.
  entryPoints: {
    main: path.join(repo, 'dist', 'src', 'cli', 'main.js'),
    bin: path.join(repo, 'dist', 'src', 'cli', 'bin.js'),
    'tar-worker': path.join(repo, 'dist', 'src', 'image', 'tar-worker.js'),
  },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Dependencies written as CommonJS call require(); ES modules have none of their own.
  banner: { js: "import { createRequire as __slipwayCreateRequire } from 'node:module'; const require = __slipwayCreateRequire(import.meta.url);" },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
// The ISA-L addon (build-native.mjs), found next to the chunk that loads it, as the worker is.
// Temp + rename: a copy cut short would be a truncated shared object, which crashes (SIGBUS) when loaded.
const addon = path.join(repo, 'dist', 'src', 'image', 'isal-gzip.node');
if (existsSync(addon)) {
  const tmp = path.join(outdir, `isal-gzip.node.${process.pid}.tmp`);
  copyFileSync(addon, tmp);
  renameSync(tmp, path.join(outdir, 'isal-gzip.node'));
}
