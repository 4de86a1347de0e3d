/** COPY and ADD: sources (files, URLs, heredocs) and a destination. */
import { analyzeWord } from '../shell/index.js';
import type { Argument, Heredoc, Instruction as AstInstruction } from '../syntax/ast.js';
import { base, word } from './convert-basic.js';
import { fail } from './errors.js';
import type { FlagSet } from './flags.js';
import type { AddInstruction, CopyInstruction, InlineSource, Word } from './types.js';

const MARKER = /^(\d*)<<(-?)\s*(["']?)([^"'<]+)\3$/;

/** The heredoc an argument such as `<<EOF` or `<<-"EOF"` introduces, if any. */
function heredocFor(arg: Argument, heredocs: readonly Heredoc[]): Heredoc | undefined {
  const byPosition = heredocs.find((h) => h.markerRange.start.offset === arg.range.start.offset);
  if (byPosition) return byPosition;
  const m = MARKER.exec(arg.value);
  return m ? heredocs.find((h) => h.name === m[4]) : undefined;
}

/** `<<-` strips leading tabs from every body line (BuildKit's ChompHeredocContent). */
export function chomp(content: string): string {
  return content.replace(/^\t+/gm, '');
}

interface Files {
  sources: Word[];
  inline: InlineSource[];
  dest: Word;
}

function sourcesAndDest(node: AstInstruction): Files {
  const name = node.name.toUpperCase();
  const args = node.args;
  if (args.length < 2) {
    fail('INSTR_MISSING_DESTINATION', `${name} requires at least two arguments, but only one was provided. Destination could not be determined`, node.range);
  }
  const dest = args[args.length - 1]!;
  if (!node.json && MARKER.test(dest.value)) fail('INSTR_HEREDOC_DESTINATION', `${name} cannot accept a heredoc as a destination`, dest.range);
  const sources: Word[] = [];
  const inline: InlineSource[] = [];
  for (const src of args.slice(0, -1)) {
    const heredoc = node.json ? undefined : heredocFor(src, node.heredocs);
    if (heredoc) {
      inline.push({ path: heredoc.name, data: heredoc.chomp ? chomp(heredoc.content) : heredoc.content, expand: !heredoc.quoted, range: heredoc.range });
    } else {
      sources.push(word(src));
    }
  }
  return { sources, inline, dest: word(dest) };
}

function common(node: AstInstruction, flags: FlagSet) {
  return {
    ...base(node),
    ...sourcesAndDest(node),
    chown: flags.word('chown'),
    chmod: flags.word('chmod'),
    link: flags.bool('link'),
    exclude: flags.words('exclude'),
    json: node.json,
  };
}

export function convertCopy(node: AstInstruction, flags: FlagSet): CopyInstruction {
  const from = flags.word('from');
  // BuildKit expands the value with an empty environment and refuses any change.
  const expanded = from ? analyzeWord(from.value, {}) : undefined;
  if (from && (!expanded!.ok || expanded!.value !== from.value)) {
    fail('INSTR_FROM_VARIABLE', "'from' doesn't support variable expansion, define alias stage instead", from.range);
  }
  return { type: 'copy', ...common(node, flags), from, parents: flags.bool('parents') };
}

export function convertAdd(node: AstInstruction, flags: FlagSet): AddInstruction {
  return {
    type: 'add', ...common(node, flags),
    checksum: flags.word('checksum'),
    keepGitDir: flags.bool('keep-git-dir'),
    unpack: flags.optionalBool('unpack'),
  };
}
