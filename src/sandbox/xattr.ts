/**
 * Reading extended attributes the differ needs (overlayfs's opaque marker, file
 * capabilities). Node has no getxattr, so this asks `getfattr` (Debian's `attr`
 * package) once for a whole batch of paths.
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

/**
 * For each of `paths` (absolute, not followed if symlinks) that has attributes
 * matching `pattern` (a getfattr regex), name -> value as `0x...` hex.
 */
export async function xattrValues(paths: string[], pattern: string): Promise<Map<string, Map<string, string>>> {
  const result = new Map<string, Map<string, string>>();
  for (let i = 0; i < paths.length; i += BATCH) {
    const batch = paths.slice(i, i + BATCH);
    const r = await runCommand('getfattr', ['--absolute-names', '-h', '-d', '-e', 'hex', '-m', pattern, '--', ...batch]).catch((err: Error) => {
      throw new SlipwayError('SANDBOX_GETFATTR_MISSING', `cannot run getfattr (install the attr package): ${err.message}`);
    });
    if (r.code !== 0) throw new SlipwayError('SANDBOX_XATTR_FAILED', `getfattr failed: ${r.stderr.trim()}`);
    let current: Map<string, string> | undefined;
    for (const line of r.stdout.split('\n')) {
      if (line.startsWith('# file: ')) {
        current = new Map();
        result.set(unescapeName(line.slice(8)), current);
        continue;
      }
      const eq = line.indexOf('=');
      if (current !== undefined && eq > 0) current.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return result;
}

/** The subset of `dirs` marked opaque (`trusted.overlay.opaque=y`, or the user.* form). */
export async function opaqueDirs(dirs: string[]): Promise<Set<string>> {
  const found = await xattrValues(dirs, '^(trusted|user)\\.overlay\\.opaque$');
  const result = new Set<string>();
  for (const [p, attrs] of found) {
    // 0x79 is "y".
    if ([...attrs.values()].includes('0x79')) result.add(p);
  }
  return result;
}
