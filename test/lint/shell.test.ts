import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScript } from '../../src/lint/shell.js';

const names = (s: string): string[] => parseScript(s).commands.map((c) => [c.name, ...c.args.map((a) => a.value)].join(' '));

test('splits on control operators and keeps their order', () => {
  const s = parseScript('a 1 && b 2 || c; d | e & f |& g');
  assert.deepEqual(s.commands.map((c) => c.name), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.deepEqual(s.operators, ['&&', '||', ';', '|', '&', '|&']);
});

test('quotes group words and are removed; operators inside quotes are text', () => {
  assert.deepEqual(names(`echo "a && b" 'c | d' e\\ f "x\\"y"`), ['echo a && b c | d e f x"y']);
  assert.deepEqual(parseScript(`echo "a | b" || true`).operators, ['||']);
});

test('assignments, keywords and redirections are not commands or arguments', () => {
  assert.deepEqual(names('DEBIAN_FRONTEND=noninteractive apt-get install -y x > /dev/null 2>&1'), ['apt-get install -y x']);
  assert.deepEqual(names('if [ -f x ]; then cd /tmp; else echo no; fi'), ['[ -f x ]', 'cd /tmp', 'echo no']);
  assert.deepEqual(names('for p in a b; do pip install $p; done'), ['pip install $p']);
  assert.deepEqual(names('while read l; do echo $l; done < file'), ['read l', 'echo $l']);
});

test('commands inside substitutions and subshells are found', () => {
  assert.deepEqual(names('echo $(curl -s x) `wget y` && (cd /a && make)'), ['echo $(curl -s x) `wget y`', 'curl -s x', 'wget y', 'cd /a', 'make']);
  assert.ok(parseScript('echo "$(sudo id)"').commands.some((c) => c.name === 'sudo' && c.nested));
  assert.deepEqual(names('x=$((1 + 2)) && echo $x'), ['echo $x']);
});

test('assignments belong to the command they precede, not to an earlier one', () => {
  const s = parseScript('apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y x; A=1 B=2 make');
  assert.deepEqual(s.commands.map((c) => c.assignments), [[], ['DEBIAN_FRONTEND=noninteractive'], ['A=1', 'B=2']]);
});

test('case patterns are not commands', () => {
  assert.deepEqual(names('case "$a" in\n x|y) echo one;;\n *) echo two;;\nesac'), ['echo one', 'echo two']);
});

test('comments, line continuations and newlines', () => {
  assert.deepEqual(names('apt-get update \\\n && apt-get install -y \\\n   curl # trailing comment\necho done'), ['apt-get update', 'apt-get install -y curl', 'echo done']);
});

test('never throws on unterminated quotes or parentheses', () => {
  for (const s of ['echo "abc', "echo 'abc", 'echo $(ls', 'echo `ls', 'a && ', '|', ')(', '${']) assert.doesNotThrow(() => parseScript(s));
});

test('quoting, escapes and substitutions inside one word', () => {
  const s = parseScript(`a"b c"'d'\\e$(x y)\`z\`"$(w)" 2>/dev/null f\\\ng \${v}h`);
  assert.deepEqual(s.commands.map((c) => [c.name, ...c.args.map((a) => a.value)]), [['ab cde$(x y)`z`$(w)', 'fg', '${v}h'], ['x', 'y'], ['z'], ['w']]);
  assert.deepEqual(s.commands[0]!.args.map((a) => a.quoted), [false, false]);
  assert.deepEqual(s.commands.map((c) => c.nested), [false, true, true, true]);
});

test('word offsets point into the script', () => {
  const text = 'apt-get  install curl';
  const cmd = parseScript(text).commands[0]!;
  assert.deepEqual(cmd.args.map((a) => text.slice(a.start, a.end)), ['install', 'curl']);
});
