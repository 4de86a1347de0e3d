import type { Argument, Body, Dockerfile, Instruction, Range } from '../../src/syntax/index.js';

/** Every range in a tree, labelled with where it was found (for invariant checks). */
export function* ranges(ast: Dockerfile): Generator<[string, Range]> {
  yield ['ast', ast.range];
  for (const c of ast.comments) yield ['comment', c.range];
  for (const [i, node] of ast.instructions.entries()) yield* instructionRanges(node, `instructions[${i}]`);
}

function* instructionRanges(node: Instruction, at: string): Generator<[string, Range]> {
  yield [at, node.range];
  yield [`${at}.keywordRange`, node.keywordRange];
  for (const f of node.flags) {
    yield [`${at}.flag`, f.range];
    yield [`${at}.flag.name`, f.nameRange];
    if (f.valueRange) yield [`${at}.flag.value`, f.valueRange];
  }
  for (const a of node.args) yield [`${at}.arg`, a.range];
  for (const h of node.heredocs) {
    yield [`${at}.heredoc`, h.range];
    yield [`${at}.heredoc.marker`, h.markerRange];
    yield [`${at}.heredoc.content`, h.contentRange];
  }
  yield* bodyRanges(node.body, `${at}.body`);
}

function* bodyRanges(body: Body, at: string): Generator<[string, Range]> {
  const arg = (a: Argument, label: string): [string, Range] => [`${at}.${label}`, a.range];
  switch (body.type) {
    case 'Empty':
      return;
    case 'Json':
      yield [at, body.range];
      for (const e of body.elements) yield arg(e, 'element');
      return;
    case 'Shell':
      yield arg(body.command, 'command');
      return;
    case 'Words':
      for (const w of body.words) yield arg(w, 'word');
      return;
    case 'String':
      yield arg(body.value, 'value');
      return;
    case 'KeyValue':
      for (const p of body.pairs) {
        yield [`${at}.pair`, p.range];
        yield arg(p.key, 'key');
        yield arg(p.value, 'value');
      }
      return;
    case 'Healthcheck':
      yield arg(body.kind, 'kind');
      yield* bodyRanges(body.command, `${at}.command`);
      return;
    case 'Onbuild':
      yield* instructionRanges(body.instruction, `${at}.instruction`);
      return;
    case 'Unknown':
      yield arg(body.text, 'text');
      return;
  }
}
