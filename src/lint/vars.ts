import { analyzeWord, type Expansion } from '../shell/index.js';
import { argDeclarations, PLATFORM_ARGS, type Model, type ModelCaches } from './model.js';

/**
 * Global ARGs (before the first FROM) as FROM lines see them: each default expanded with
 * the ARGs above it; a declared ARG without a default is set but empty.
 */
export function globalArgEnv(model: Model): { env: Map<string, string>; declared: Set<string> } {
  const caches = model as Model & ModelCaches;
  return (caches.globalEnv ??= readGlobalArgs(model));
}

// Copying from an array of entries is several times faster than `new Map(map)`.
const PLATFORM_ENTRIES = [...PLATFORM_ARGS];

function readGlobalArgs(model: Model): { env: Map<string, string>; declared: Set<string> } {
  const env = new Map<string, string>();
  for (let i = 0; i < PLATFORM_ENTRIES.length; i++) env.set(PLATFORM_ENTRIES[i]![0], PLATFORM_ENTRIES[i]![1]);
  const declared = new Set<string>();
  for (const ins of model.globalArgs) {
    for (const decl of argDeclarations(ins)) {
      declared.add(decl.name);
      if (decl.value === undefined) {
        if (!PLATFORM_ARGS.has(decl.name)) env.set(decl.name, '');
        continue;
      }
      // Plain words need no expansion (the common `ARG VERSION=1.2`).
      if (!/[$'"\\`]/.test(decl.value)) { env.set(decl.name, decl.value); continue; }
      const r = expandQuickly(decl.value, env, model);
      env.set(decl.name, r.ok ? r.value : '');
    }
  }
  return { env, declared };
}

export function expand(word: string, env: ReadonlyMap<string, string>, model: Model): Expansion {
  return analyzeWord(word, env, { escape: model.escape });
}

/** What FROM checks read of an expansion. */
export type WordExpansion = { readonly ok: true; readonly value: string; readonly unset: readonly string[] } | { readonly ok: false; readonly unset: readonly string[] };

/** A FROM word expanded with the global ARGs, once per file however many rules ask. */
export function expandFromWord(model: Model, word: string): WordExpansion {
  const cache = ((model as Model & ModelCaches).fromExpansions ??= new Map());
  let r = cache.get(word);
  if (!r) cache.set(word, (r = expandQuickly(word, globalArgEnv(model).env, model)));
  return r;
}

/**
 * analyzeWord's value and unset names, read directly for the common word whose only
 * syntax is plain references (`golang:${GO_VERSION}-alpine`, `$BASE`): ASCII, no quotes,
 * no escape characters, each `$` followed by a name or `{name}`. The general scanner
 * (which handles everything else) costs microseconds per word.
 */
function expandQuickly(word: string, env: ReadonlyMap<string, string>, model: Model): WordExpansion {
  let value = '';
  let unset: string[] | undefined;
  let seg = 0;
  for (let i = 0; i < word.length;) {
    const c = word.charCodeAt(i);
    if (c >= 128 || c === 34 || c === 39 || c === 92 || c === 96) return analyzeWord(word, env, { escape: model.escape });
    if (c !== 36) { i++; continue; }
    const brace = word.charCodeAt(i + 1) === 123;
    const start = brace ? i + 2 : i + 1;
    if (!isNameStart(word.charCodeAt(start))) return analyzeWord(word, env, { escape: model.escape });
    let end = start + 1;
    while (isNameChar(word.charCodeAt(end))) end++;
    if (brace && word.charCodeAt(end) !== 125) return analyzeWord(word, env, { escape: model.escape });
    const name = word.slice(start, end);
    const v = env.get(name);
    if (v === undefined && !(unset ??= []).includes(name)) unset.push(name);
    value += word.slice(seg, i) + (v ?? '');
    i = seg = brace ? end + 1 : end;
  }
  return { ok: true, value: value + word.slice(seg), unset: unset ?? [] };
}

/** Names referenced without a fallback (`$X`, `${X}`, `${X%y}`, but not `${X:-y}` or `${X:+y}`). */
export function plainReferences(word: string): Set<string> {
  const names = new Set<string>();
  someReference(word, (name) => { names.add(name); return false; });
  return names;
}

/** Whether `test` holds for a name `word` references without a fallback (in order, stopping at the first). */
export function someReference(word: string, test: (name: string) => boolean): boolean {
  let i = word.indexOf('$');
  while (i >= 0) {
    const brace = word.charCodeAt(i + 1) === 123;
    const start = brace ? i + 2 : i + 1;
    let end = start;
    if (isNameStart(word.charCodeAt(end))) {
      end++;
      while (isNameChar(word.charCodeAt(end))) end++;
    }
    if (end === start) { i = word.indexOf('$', i + 1); continue; }
    let c = word.charCodeAt(end);
    if (brace && c === 58) c = word.charCodeAt(end + 1);
    if ((!brace || (c !== 45 && c !== 43)) && test(word.slice(start, end))) return true;
    i = word.indexOf('$', end);
  }
  return false;
}

const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57);

/** The closest candidate within a small edit distance, for "did you mean" hints. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    if (c.toLowerCase() === lower) {
      if (0.5 < bestDistance) { best = c; bestDistance = 0.5; }
      continue;
    }
    // The edit distance is at least the difference in length: most candidates end here.
    if (Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = distance(name, c);
    if (d < bestDistance) { best = c; bestDistance = d; }
  }
  return best;
}

// One row of the distance table, reused: hints are asked for often in files with many unset names.
let row = new Uint32Array(64);

function distance(a: string, b: string): number {
  if (row.length < b.length + 1) row = new Uint32Array(b.length + 1);
  const prev = row;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(tmp + 1, prev[j - 1]! + 1, diag + (ca === b.charCodeAt(j - 1) ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
