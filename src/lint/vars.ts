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

function readGlobalArgs(model: Model): { env: Map<string, string>; declared: Set<string> } {
  const env = new Map<string, string>(PLATFORM_ARGS);
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
      const r = analyzeWord(decl.value, env, { escape: model.escape });
      env.set(decl.name, r.ok ? r.value : '');
    }
  }
  return { env, declared };
}

export function expand(word: string, env: ReadonlyMap<string, string>, model: Model): Expansion {
  return analyzeWord(word, env, { escape: model.escape });
}

/** A FROM word expanded with the global ARGs, once per file however many rules ask. */
export function expandFromWord(model: Model, word: string): Expansion {
  const cache = ((model as Model & ModelCaches).fromExpansions ??= new Map());
  let r = cache.get(word);
  if (!r) cache.set(word, (r = expand(word, globalArgEnv(model).env, model)));
  return r;
}

/** Names referenced without a fallback (`$X`, `${X}`, `${X%y}`, but not `${X:-y}` or `${X:+y}`). */
export function plainReferences(word: string): Set<string> {
  const names = new Set<string>();
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
    if (!brace || (c !== 45 && c !== 43)) names.add(word.slice(start, end));
    i = word.indexOf('$', end);
  }
  return names;
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
