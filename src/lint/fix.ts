import { lint, type LintOptions } from './lint.js';
import type { Diagnostic, TextEdit } from './types.js';

/**
 * Applies the edits of fixable findings. Edits are applied back to front; an edit that
 * overlaps one already taken waits for the next pass, so each pass is consistent.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.range.start.offset - a.range.start.offset || b.range.end.offset - a.range.end.offset);
  let out = text;
  let floor = Infinity;
  for (const e of sorted) {
    if (e.range.end.offset > floor) continue;
    out = out.slice(0, e.range.start.offset) + e.newText + out.slice(e.range.end.offset);
    floor = e.range.start.offset;
  }
  return out;
}

export interface FixResult {
  readonly text: string;
  /** The findings that were fixed, from every pass. */
  readonly fixed: readonly Diagnostic[];
  /** What is left after fixing. */
  readonly remaining: readonly Diagnostic[];
}

/** Lints and fixes until nothing fixable is left (a fixed point, so fixing again changes nothing). */
export function fix(text: string, options: LintOptions = {}): FixResult {
  const fixed: Diagnostic[] = [];
  let current = text;
  for (let pass = 0; pass < 10; pass++) {
    const diagnostics = lint(current, options);
    const fixable = diagnostics.filter((d) => d.fix);
    if (fixable.length === 0) return { text: current, fixed, remaining: diagnostics };
    const next = applyEdits(current, fixable.flatMap((d) => d.fix!));
    if (next === current) return { text: current, fixed, remaining: diagnostics };
    fixed.push(...fixable);
    current = next;
  }
  return { text: current, fixed, remaining: lint(current, options) };
}

/** A unified diff (`diff -u` layout, 3 lines of context) from `a` to `b`; empty when equal. */
export function unifiedDiff(a: string, b: string, fromName: string, toName: string): string {
  if (a === b) return '';
  const x = a.split('\n');
  const y = b.split('\n');
  // Trim the common head and tail so the quadratic table stays small.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const lcs: number[][] = Array.from({ length: xs.length + 1 }, () => new Array<number>(ys.length + 1).fill(0));
  for (let i = xs.length - 1; i >= 0; i--) for (let j = ys.length - 1; j >= 0; j--) {
    lcs[i]![j] = xs[i] === ys[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  type Op = { t: ' ' | '-' | '+'; line: string };
  const ops: Op[] = x.slice(0, head).map((line) => ({ t: ' ', line }));
  let i = 0;
  let j = 0;
  while (i < xs.length || j < ys.length) {
    if (i < xs.length && j < ys.length && xs[i] === ys[j]) { ops.push({ t: ' ', line: xs[i]! }); i++; j++; }
    else if (j < ys.length && (i >= xs.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) ops.push({ t: '+', line: ys[j++]! });
    else ops.push({ t: '-', line: xs[i++]! });
  }
  ops.push(...x.slice(x.length - tail).map((line) => ({ t: ' ' as const, line })));
  // A trailing newline shows up as a final empty "line"; it is not a line of its own.
  if (a.endsWith('\n') && b.endsWith('\n') && ops[ops.length - 1]?.line === '' && ops[ops.length - 1]!.t === ' ') ops.pop();
  const out = [`--- ${fromName}`, `+++ ${toName}`];
  const changed = ops.map((o, k) => (o.t !== ' ' ? k : -1)).filter((k) => k >= 0);
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - 3);
    let end = Math.min(ops.length, changed[k]! + 4);
    while (k + 1 < changed.length && changed[k + 1]! - 3 <= end) { k++; end = Math.min(ops.length, changed[k]! + 4); }
    k++;
    let oldLine = 1;
    let newLine = 1;
    for (let q = 0; q < start; q++) { if (ops[q]!.t !== '+') oldLine++; if (ops[q]!.t !== '-') newLine++; }
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((o) => o.t !== '+').length;
    const newCount = hunk.filter((o) => o.t !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@`);
    for (const o of hunk) out.push(o.t + o.line);
  }
  return `${out.join('\n')}\n`;
}
