import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { conformanceDir, fixturesDir, repoRoot } from '../helpers/paths.js';
import { LineCounter, dump, formatDiagnostic, parse, type Position, type Range } from '../../src/syntax/index.js';
import { ranges } from './walk.js';
import { rng } from '../helpers/rng.js';

const INPUTS = 10_000;

function corpus(): Buffer[] {
  const files: string[] = [];
  const parserDir = path.join(conformanceDir, 'buildkit', 'parser');
  for (const sub of ['testfiles', 'testfiles-negative']) {
    for (const name of readdirSync(path.join(parserDir, sub))) files.push(path.join(parserDir, sub, name, 'Dockerfile'));
  }
  for (const name of readdirSync(path.join(fixturesDir, 'parser'))) {
    const f = path.join(fixturesDir, 'parser', name, 'Dockerfile');
    if (existsSync(f)) files.push(f);
  }
  const bench = path.join(repoRoot, 'bench', 'corpus');
  if (existsSync(bench)) for (const name of readdirSync(bench)) files.push(path.join(bench, name));
  return files.sort().map((f) => readFileSync(f));
}

/** Bytes that matter to the grammar, plus a few that break UTF-8. */
const INTERESTING = Buffer.from('\\`\n\r\t "\'[]<-=#${},:;0123\x00\x0b\x0c', 'latin1');
const SNIPPETS = ['<<EOF', '<<-"END"\n', '\nEOF\n', '\\\n', '# escape=`\n', '# syntax=x\n', '["a", 1]', 'ONBUILD ', '--mount=type=cache ', 'ENV a=b c', '\u00a0', '\ufeff', '${x:-y}', '\r\n'];

function mutate(base: Buffer, other: Buffer, next: () => number): Buffer {
  const pick = (n: number) => Math.floor(next() * n);
  let out = Buffer.from(base);
  const rounds = 1 + pick(4);
  for (let r = 0; r < rounds; r++) {
    switch (pick(6)) {
      case 0: // flip a bit
        if (out.length > 0) out[pick(out.length)]! ^= 1 << pick(8);
        break;
      case 1: // replace a byte with a grammar-relevant one or a random one
        if (out.length > 0) out[pick(out.length)] = next() < 0.7 ? INTERESTING[pick(INTERESTING.length)]! : pick(256);
        break;
      case 2: // truncate
        out = out.subarray(0, pick(out.length + 1));
        break;
      case 3: { // splice a prefix of this file with a suffix of another
        out = Buffer.concat([out.subarray(0, pick(out.length + 1)), other.subarray(pick(other.length + 1))]);
        break;
      }
      case 4: { // insert a snippet
        const at = pick(out.length + 1);
        out = Buffer.concat([out.subarray(0, at), Buffer.from(SNIPPETS[pick(SNIPPETS.length)]!), out.subarray(at)]);
        break;
      }
      default: { // delete a run
        const at = pick(out.length + 1);
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + pick(16))]);
      }
    }
  }
  return out;
}

function checkPosition(p: Position, text: string, lines: LineCounter, where: string): void {
  assert.ok(p.offset >= 0 && p.offset <= text.length, `${where}: offset ${p.offset} outside 0..${text.length}`);
  assert.deepEqual(p, lines.position(p.offset), `${where}: line/column disagree with the offset`);
}

function checkRange(r: Range, text: string, lines: LineCounter, where: string): void {
  checkPosition(r.start, text, lines, `${where}.start`);
  checkPosition(r.end, text, lines, `${where}.end`);
  assert.ok(r.start.offset <= r.end.offset, `${where}: starts after it ends`);
}

test(`fuzz: ${INPUTS} mutated inputs give an AST or a located error, never an exception`, () => {
  const files = corpus();
  assert.ok(files.length > 50, `corpus too small: ${files.length}`);
  const next = rng(0x5eed);
  let failed = 0;
  for (let n = 0; n < INPUTS; n++) {
    const base = files[Math.floor(next() * files.length)]!;
    const other = files[Math.floor(next() * files.length)]!;
    const text = mutate(base, other, next).toString('utf8');
    const where = `input ${n} ${JSON.stringify(text.slice(0, 80))}`;
    const result = parse(text);
    const lines = new LineCounter(text);
    assert.ok(result.errors.length <= 1, `${where}: more than one fatal error`);
    for (const d of [...result.errors, ...result.warnings]) {
      assert.match(d.code, /^PARSE_[A-Z_]+$/, where);
      checkRange(d.range, text, lines, `${where} ${d.code}`);
      assert.match(formatDiagnostic(d, text, 'Dockerfile'), /^Dockerfile:\d+:\d+: /, where);
    }
    if (result.errors.length > 0) failed++;
    else assert.ok(result.ast.instructions.length > 0, `${where}: no error but no instructions`);
    for (const [label, r] of ranges(result.ast)) checkRange(r, text, lines, `${where} ${label}`);
    const out = dump(result.ast);
    assert.equal(out.split('\n').length, result.ast.instructions.length + 1, where);
  }
  // The mutations must actually exercise both outcomes.
  assert.ok(failed > INPUTS / 50 && failed < INPUTS - INPUTS / 50, `errors in ${failed} of ${INPUTS}`);
});
