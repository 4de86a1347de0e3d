/**
 * Layer digests must not depend on the machine. ISA-L picks its deflate code by CPU
 * (SSE4.2, AVX, AVX2 kernels), so the addon runs here natively and under qemu-x86_64
 * emulating older CPUs, on the same bytes: the members must be identical. Without SSE4.2
 * (CPUs from before 2008) ISA-L's plain C kernel would write other bytes: there the addon
 * declines to load and zlib deflates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDirSync } from '../helpers/tmp.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const probe = path.join(here, 'isal-probe.js');

/** Source text, a real binary, zeros and pseudo-random bytes: what layers hold. */
function input(): Buffer {
  const text: Buffer[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.js')) text.push(readFileSync(path.join(dir, e.name)));
    }
  };
  walk(path.join(here, '..', '..', 'src'));
  const random = Buffer.alloc(1 << 20);
  let x = 0x2545f491;
  for (let i = 0; i < random.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    random[i] = x & 0xff;
  }
  return Buffer.concat([...text, readFileSync(process.execPath).subarray(0, 3 << 20), Buffer.alloc(1 << 20), random]);
}

function run(cpu: string | undefined, file: string): string {
  const probeArgs = [probe, file];
  const [cmd, args] = cpu === undefined ? [process.execPath, probeArgs] : ['qemu-x86_64', ['-cpu', cpu, process.execPath, ...probeArgs]];
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 120_000 }).trim();
}

test('ISA-L members are the same bytes on SSE4.2, AVX and AVX2 CPUs (qemu) as on this one', () => {
  const dir = tempDirSync('slipway-isal-cpus-');
  const file = path.join(dir, 'input');
  writeFileSync(file, input());
  const native = run(undefined, file);
  assert.match(native, /^[0-9a-f]{64}$/, 'the addon is built and deflates');
  for (const cpu of ['Nehalem', 'SandyBridge', 'Haswell', 'EPYC']) {
    assert.equal(run(cpu, file), native, `${cpu}: same members`);
  }
  // Without SSE4.2 ISA-L's C fallback would write other bytes: the addon declines, zlib
  // deflates (keyed apart), and no build warns about it.
  assert.equal(run('core2duo', file), 'none');
});
