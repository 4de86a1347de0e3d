import path from 'node:path/posix';
import { SlipwayError } from '../errors.js';

/**
 * COPY/ADD semantics as a pure planner: given what each source matched, decide where
 * every match lands in the image. BuildKit's rules (CopyDirContentsOnly, wildcards,
 * trailing slashes, --parents pivots); no file is touched here.
 */

export type MatchKind = 'file' | 'dir' | 'symlink' | 'other';

/** One path a source matched, relative to the source root (`''` is the root itself). */
export interface SourceMatch {
  readonly path: string;
  readonly kind: MatchKind;
  /** For ADD: the file is a tar archive (gzip/bzip2/xz/plain) to extract. */
  readonly archive?: boolean;
}

export interface PlannedSource {
  /** The source as written (after expansion), e.g. `src/*.js`, `a/./b/c`. */
  readonly written: string;
  readonly matches: readonly SourceMatch[];
}

/** What the executor does for one match. */
export type CopyItem =
  /** Copy a directory's contents (not the directory itself) into `to`. */
  | { readonly type: 'contents'; readonly from: string; readonly to: string }
  /** Copy one file, symlink or special file to exactly `to`. */
  | { readonly type: 'file'; readonly from: string; readonly to: string }
  /** ADD of a local archive: extract it into the directory `to`. */
  | { readonly type: 'extract'; readonly from: string; readonly to: string };

export interface CopyPlanInput {
  readonly sources: readonly PlannedSource[];
  /** Destination as written (after expansion). */
  readonly dest: string;
  /** The stage's WORKDIR at this point. */
  readonly workdir: string;
  /** Whether the resolved destination is already a directory in the image. */
  readonly destIsDir: boolean;
  readonly parents?: boolean;
  /** ADD: extract local archives. */
  readonly extract?: boolean;
  /** Heredoc files count as sources for the several-sources rule. */
  readonly heredocCount?: number;
}

export function containsWildcards(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** The destination made absolute against WORKDIR; `.` and `` mean the WORKDIR itself as a directory. */
export function resolveDest(dest: string, workdir: string): { path: string; dirSyntax: boolean } {
  const d = dest === '' || dest === '.' ? './' : dest;
  const dirSyntax = d.endsWith('/') || d.endsWith('/.') || d === '.';
  return { path: path.resolve(workdir || '/', d), dirSyntax };
}

/** Splits `a/./b/c` at its pivot for --parents: the part kept under the destination is `b/c`. */
export function parentsPivot(written: string): { root: string; kept: string } {
  const i = written.indexOf('/./');
  if (i < 0) return { root: '', kept: path.normalize(written).replace(/^\/+/, '') };
  return { root: path.normalize(written.slice(0, i)).replace(/^\/+/, ''), kept: path.normalize(written.slice(i + 3)) };
}

/**
 * Plans a COPY/ADD. Errors (as SlipwayError): BUILD_COPY_NO_SOURCE when nothing matched,
 * BUILD_COPY_DEST_NOT_DIR when several sources go to a destination that is not a
 * directory (docker: "the destination must be a directory and end with a /").
 */
export function planCopy(input: CopyPlanInput): CopyItem[] {
  const { path: dest, dirSyntax } = resolveDest(input.dest, input.workdir);
  const total = input.sources.reduce((n, s) => n + s.matches.length, 0) + (input.heredocCount ?? 0);
  if (total === 0) {
    const names = input.sources.map((s) => s.written).join(', ');
    throw new SlipwayError('BUILD_COPY_NO_SOURCE', `no source files were specified${names ? `: ${names} matched nothing` : ''}`);
  }
  const several = total > 1 || input.sources.some((s) => containsWildcards(s.written) && s.matches.some((m) => m.kind !== 'dir'));
  const intoDir = dirSyntax || input.destIsDir;
  if (total > 1 && !intoDir && input.sources.some((s) => s.matches.some((m) => m.kind !== 'dir'))) {
    throw new SlipwayError('BUILD_COPY_DEST_NOT_DIR', `when using COPY with more than one source file, the destination must be a directory and end with a /: ${input.dest}`);
  }
  const items: CopyItem[] = [];
  for (const source of input.sources) {
    const pivot = input.parents ? parentsPivot(source.written) : undefined;
    for (const m of source.matches) {
      if (pivot) {
        const rel = pivot.root === '' ? m.path : path.relative(pivot.root, m.path);
        const to = path.join(dest, rel);
        items.push(m.kind === 'dir' ? { type: 'contents', from: m.path, to } : { type: 'file', from: m.path, to });
        continue;
      }
      if (m.kind === 'dir') items.push({ type: 'contents', from: m.path, to: dest });
      else if (input.extract && m.archive) items.push({ type: 'extract', from: m.path, to: dest });
      else items.push({ type: 'file', from: m.path, to: intoDir || several ? path.join(dest, path.basename(m.path)) : dest });
    }
  }
  return items;
}

/** Where a heredoc file (`COPY <<EOF /dest`) lands: its name inside a directory dest, else dest. */
export function heredocTarget(name: string, dest: string, workdir: string, destIsDir: boolean): string {
  const r = resolveDest(dest, workdir);
  return r.dirSyntax || destIsDir ? path.join(r.path, name) : r.path;
}

/** The file name ADD gives a URL download: the URL path's last part, else `__unnamed__`. */
export function urlFileName(url: string): string {
  try {
    const base = path.basename(new URL(url).pathname);
    return base === '' || base === '.' || base === '/' ? '__unnamed__' : base;
  } catch {
    return '__unnamed__';
  }
}

/**
 * `--chmod` as BuildKit takes it: octal up to 07777, or a symbolic mode (`u+x,go=r`)
 * applied to each file's own mode. Returns a function from old mode to new mode.
 */
export function parseChmod(spec: string): (mode: number, isDir: boolean) => number {
  if (/^[0-7]+$/.test(spec)) {
    const n = parseInt(spec, 8);
    if (n > 0o7777) throw new SlipwayError('BUILD_BAD_CHMOD', `invalid chmod parameter: '${spec}'. it should be octal string and between 0 and 07777`);
    return () => n;
  }
  if (/^\d+$/.test(spec)) throw new SlipwayError('BUILD_BAD_CHMOD', `invalid chmod parameter: '${spec}'. it should be octal string and between 0 and 07777`);
  const clauses = spec.split(',').map((clause) => {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause);
    if (!m) throw new SlipwayError('BUILD_BAD_CHMOD', `invalid chmod parameter: '${spec}'`);
    return { who: m[1] || 'a', op: m[2]!, perms: m[3]! };
  });
  return (mode, isDir) => {
    let out = mode & 0o7777;
    for (const c of clauses) {
      let bits = 0;
      const exec = c.perms.includes('x') || (c.perms.includes('X') && (isDir || (mode & 0o111) !== 0));
      for (const w of c.who.includes('a') ? 'ugo' : c.who) {
        const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
        if (c.perms.includes('r')) bits |= 4 << shift;
        if (c.perms.includes('w')) bits |= 2 << shift;
        if (exec) bits |= 1 << shift;
        if (c.perms.includes('s') && w !== 'o') bits |= w === 'u' ? 0o4000 : 0o2000;
        if (c.perms.includes('t')) bits |= 0o1000;
      }
      const mask = [...(c.who.includes('a') ? 'ugo' : c.who)].reduce((acc, w) => acc | (w === 'u' ? 0o4700 : w === 'g' ? 0o2070 : 0o1007), 0);
      if (c.op === '+') out |= bits;
      else if (c.op === '-') out &= ~bits;
      else out = (out & ~mask) | bits;
    }
    return out;
  };
}
