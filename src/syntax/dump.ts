import type { Dockerfile, Instruction } from './ast.js';

/**
 * BuildKit's parser dump (Node.Dump), byte for byte: one `(keyword [flags] args...)` line
 * per instruction, each string quoted as Go's strconv.Quote does, ONBUILD nesting its
 * trigger, and a trailing newline. See ../shared/conformance/README.md.
 */
export function dump(ast: Dockerfile): string {
  let out = '';
  for (const node of ast.instructions) out += `(${dumpInstruction(node)})\n`;
  return out;
}

/** One instruction without the surrounding parentheses. */
export function dumpInstruction(node: Instruction): string {
  let out = node.name;
  if (node.flags.length > 0) out += ` [${node.flags.map((f) => goQuote(f.raw)).join(' ')}]`;
  if (node.body.type === 'Onbuild') {
    out += ` (${dumpInstruction(node.body.instruction)})`;
  } else {
    for (const a of node.args) out += ` ${goQuote(a.value)}`;
  }
  return trimGoSpace(out);
}

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Go's strconv.Quote: `\"`, `\\`, C escapes, `\xNN`, `\uNNNN`, `\UNNNNNNNN`; printable Unicode stays. */
export function goQuote(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c < 0x80) out += controlEscape(c);
    else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
    else if (PRINTABLE.test(ch)) out += ch;
    else if (c < 0x10000) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += `\\U${c.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

function controlEscape(c: number): string {
  switch (c) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
    default: return `\\x${c.toString(16).padStart(2, '0')}`;
  }
}

/** strings.TrimSpace with Go's unicode.IsSpace. */
function trimGoSpace(s: string): string {
  return s.replace(/^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g, '');
}
