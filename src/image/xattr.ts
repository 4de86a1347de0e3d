import { SlipwayError } from '../errors.js';
import { runShort } from '../subprocess.js';

/**
 * Extended attributes through attr's getfattr/setfattr: Node has no xattr API, and
 * one getfattr process dumps a whole tree. Only attributes that belong in an image
 * are kept: user.*, security.capability (file capabilities) and POSIX ACLs; never
 * trusted.* (overlayfs bookkeeping) or security.selinux (host labels).
 */
export const XATTR_PATTERN = '^(user\\..*|security\\.capability|system\\.posix_acl_(access|default))$';
const KEEP = new RegExp(XATTR_PATTERN);

export type Xattrs = Map<string, Buffer>;

async function run(cmd: string, args: string[], input?: Buffer): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  try {
    const r = await runShort(cmd, args, input !== undefined ? { input } : {});
    return { code: r.code, stdout: r.stdout, stderr: r.stderr.toString() };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    throw new SlipwayError('XATTR_TOOL_MISSING', `${cmd} is needed for extended attributes (Debian package attr): ${(e as Error).message}`);
  }
}

/** getfattr's \ooo escapes back to the raw bytes, read as UTF-8. */
function unescapeName(s: string): string {
  const bytes = Buffer.from(s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), 'latin1');
  return bytes.toString('utf8');
}

function escapeName(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1').replace(/[\\\n\r\0-\x1f\x7f=]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

function parseDump(out: Buffer): Map<string, Xattrs> {
  const result = new Map<string, Xattrs>();
  let current: Xattrs | undefined;
  for (const line of out.toString('latin1').split('\n')) {
    if (line.startsWith('# file: ')) {
      current = new Map();
      result.set(unescapeName(line.slice('# file: '.length)), current);
    } else if (current && line.includes('=')) {
      const eq = line.indexOf('=');
      const name = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (!KEEP.test(name)) continue;
      current.set(name, value.startsWith('0s') ? Buffer.from(value.slice(2), 'base64') : Buffer.alloc(0));
    }
  }
  for (const [k, v] of result) if (v.size === 0) result.delete(k);
  return result;
}

/**
 * Xattrs of `paths` (absolute), or of every file under them with `recursive`.
 * Files without kept attributes are absent from the map. Filesystems without
 * xattr support yield an empty map.
 */
export async function readXattrs(paths: readonly string[], recursive: boolean): Promise<Map<string, Xattrs>> {
  const result = new Map<string, Xattrs>();
  for (let i = 0; i < paths.length; i += 256) {
    const batch = paths.slice(i, i + 256);
    const args = ['-h', '-d', '-m', XATTR_PATTERN, '-e', 'base64', '--absolute-names', ...(recursive ? ['-R'] : []), '--', ...batch];
    const r = await run('getfattr', args);
    for (const [k, v] of parseDump(r.stdout)) result.set(k, v);
  }
  return result;
}

/** Sets xattrs on many files with one setfattr process. `files` maps absolute path -> attrs. */
export async function writeXattrs(files: Map<string, Xattrs>): Promise<void> {
  if (files.size === 0) return;
  let dump = '';
  for (const [file, attrs] of files) {
    dump += `# file: ${escapeName(file)}\n`;
    for (const [name, value] of attrs) dump += `${name}=0s${value.toString('base64')}\n`;
    dump += '\n';
  }
  const r = await run('setfattr', ['-h', '--restore=-'], Buffer.from(dump, 'latin1'));
  if (r.code !== 0) throw new SlipwayError('LAYER_XATTR_FAILED', `setting extended attributes failed: ${r.stderr.trim()}`);
}
