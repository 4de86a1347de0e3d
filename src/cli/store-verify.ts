import { parseArgs } from 'node:util';
import { Store, verifyStore } from '../store/index.js';
import { type Command, type Io } from './types.js';

async function run(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, allowPositionals: false, options: { format: { type: 'string' } } });
  const store = await Store.open({ env: io.env });
  const r = await verifyStore(store);
  if (values.format === 'json') {
    io.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    for (const p of r.problems) io.stdout.write(`${p.code}: ${p.message}\n`);
    io.stdout.write(`${r.ok ? 'ok' : 'FAILED'}: ${r.blobs} blobs, ${r.images} images, ${r.layerDirs} layer dirs, ${r.problems.length} problems\n`);
  }
  return r.ok ? 0 : 1;
}

export const storeVerifyCommand: Command = {
  name: 'store verify',
  summary: 'Re-hash every blob and check every image in the store',
  usage: 'store verify [--format json]',
  run,
};
