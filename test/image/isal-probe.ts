/**
 * Run by isal-cpus.test.ts, natively and under qemu-x86_64 as older CPUs: deflates the file
 * named in argv[2] as layer members (MEMBER_SIZE each, through the ISA-L addon) and prints
 * the sha256 of the members; without the addon `none` and the warning a build would give
 * (empty when the addon declines by design).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isalGzip, isalWarning } from '../../src/image/isal.js';
import { MEMBER_SIZE } from '../../src/image/pgzip.js';

const isal = isalGzip();
if (isal === undefined) {
  console.log(`none ${isalWarning() ?? ''}`.trim());
} else {
  const data = readFileSync(process.argv[2]!);
  const h = createHash('sha256');
  for (let off = 0; off < data.length; off += MEMBER_SIZE) h.update(await isal.gzip(data.subarray(off, off + MEMBER_SIZE)));
  console.log(h.digest('hex'));
}
