import { parseArgs } from 'node:util';
import { Store, pruneStore } from '../store/index.js';
import { pruneBuildCache } from '../build/prune.js';
import { humanSize } from './store-format.js';
import { type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, allowPositionals: false, options: { force: { type: 'boolean', short: 'f' }, all: { type: 'boolean', short: 'a' } } });
  const store = await Store.open({ env: io.env });
  const r = await pruneStore(store);
  // The build cache refers to layer blobs: entries whose blob the store prune just removed
  // are dangling now; `-a` empties the build cache and its RUN cache mounts too, as
  // `docker system prune -a` does.
  const cache = await store.withLock('gc', 'exclusive', () => pruneBuildCache(store, { all: values.all ?? false }));
  for (const d of r.blobsRemoved) io.stdout.write(`deleted blob: ${d}\n`);
  for (const d of r.layerDirsRemoved) io.stdout.write(`deleted layer dir: ${d}\n`);
  if (cache.entries > 0) io.stdout.write(`deleted build cache entries: ${cache.entries}\n`);
  if (cache.cacheMounts > 0) io.stdout.write(`deleted RUN cache mounts: ${cache.cacheMounts}\n`);
  io.stdout.write(`Total reclaimed space: ${humanSize(r.bytesFreed)}\n`);
  return 0;
}

export const pruneCommand: Command = {
  name: 'prune',
  aliases: ['image prune', 'system prune'],
  summary: 'Delete blobs, extracted layers and build cache no image references (-a: the whole build cache)',
  usage: 'prune [-f] [-a]',
  run,
};
