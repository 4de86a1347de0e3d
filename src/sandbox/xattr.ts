/**
 * Reading overlayfs's opaque-directory marker. Node has no getxattr, so this asks
 * `getfattr` (Debian's `attr` package) once for a whole batch of directories.
 */
import { runCommand } from './overlay.js';
import { SlipwayError } from '../errors.js';

// Keeps each argv well under ARG_MAX even with long paths.
const BATCH = 500;

/** getfattr escapes unusual bytes in names as `\ooo` octal and `\\`. */
function unescapeName(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (s[i] === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i += 1;
    } else {
      bytes.push(...Buffer.from(s[i]!, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The subset of `dirs` (absolute paths) marked opaque (`trusted.overlay.opaque=y`). */
export async function opaqueDirs(dirs: string[]): Promise<Set<string>> {
  const result = new Set<string>();
  for (let i = 0; i < dirs.length; i += BATCH) {
    const batch = dirs.slice(i, i + BATCH);
    const r = await runCommand('getfattr', [
      '--absolute-names', '-h', '-d', '-e', 'text',
      '-m', '^(trusted|user)\\.overlay\\.opaque$', '--', ...batch,
    ]).catch((err: Error) => {
      throw new SlipwayError('SANDBOX_GETFATTR_MISSING', `cannot run getfattr (install the attr package): ${err.message}`);
    });
    if (r.code !== 0) throw new SlipwayError('SANDBOX_XATTR_FAILED', `getfattr failed: ${r.stderr.trim()}`);
    let current: string | undefined;
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('# file: ')) current = unescapeName(line.slice(8));
      else if (current !== undefined && /^(trusted|user)\.overlay\.opaque="y"$/.test(line)) result.add(current);
    }
  }
  return result;
}
