/**
 * Run by isal-cpus.test.ts, natively and under qemu-x86_64 as older CPUs: deflates the file
 * named in argv[2] as layer members (MEMBER_SIZE each, through the ISA-L addon) and prints
 * the sha256 of the members, or `no-addon`. With argv[3], also writes the first member there.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { isalGzip } from '../../src/image/isal.js';
import { MEMBER_SIZE } from '../../src/image/pgzip.js';

const isal = isalGzip();
if (isal === undefined) {
  console.log('no-addon');
} else {
  const data = readFileSync(process.argv[2]!);
  const h = createHash('sha256');
  for (let off = 0; off < data.length; off += MEMBER_SIZE) {
    const member = await isal.gzip(data.subarray(off, off + MEMBER_SIZE));
    if (off === 0 && process.argv[3] !== undefined) writeFileSync(process.argv[3], member);
    h.update(member);
  }
  console.log(h.digest('hex'));
}
