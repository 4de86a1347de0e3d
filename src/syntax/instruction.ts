import { instructionSpec, type LineParser } from '../../grammar/instructions.js';
import type { Argument, Body, Comment, CommandBody, Flag, Instruction, KeyValuePair, ParseCode, Position } from './ast.js';
import { findBlank, goLower, keywordAt, skipBlank, skipSpace, trimSpaceEnd } from './chars.js';
import { extractFlags } from './flags.js';
import type { LogicalLine } from './locations.js';
import { WORD_SPANS, WORD_SPANS_ALL, parseJsonArray, parseWords, wordSpans } from './words.js';

/** A fatal problem found while building a node, located by logical-line indexes. */
export interface NodeProblem {
  readonly code: ParseCode;
  readonly message: string;
  readonly from: number;
  readonly to: number;
}

/** Thrown inside the builder and returned by buildInstruction (never escapes it). */
export class Problem {
  constructor(readonly problem: NodeProblem) {}
}

/**
 * BuildKit's newNodeFromLine for line.text[from, to): keyword, flags, then the keyword's
 * line parser from grammar/instructions.ts (unknown keywords keep no arguments).
 */
export function buildInstruction(line: LogicalLine, from: number, to: number, escape: number, comments: readonly Comment[], end?: Position): Instruction | Problem {
  try {
    return build(line, from, to, escape, comments, end);
  } catch (err) {
    if (err instanceof Problem) return err;
    throw err;
  }
}

function build(line: LogicalLine, from: number, to: number, escape: number, comments: readonly Comment[], end?: Position): Instruction {
  const s = line.text;
  const ts = skipSpace(s, from, to);
  const te = trimSpaceEnd(s, ts, to);
  const kwEnd = findBlank(s, ts, te);
  const keyword = s.slice(ts, kwEnd);
  const name = keywordAt(s, ts, kwEnd) ?? goLower(keyword);
  let flags: readonly Flag[] = NONE;
  let as = te;
  if (kwEnd < te) {
    as = skipBlank(s, kwEnd, te);
    if (s.charCodeAt(as) === 0x2d && s.charCodeAt(as + 1) === 0x2d) {
      const scan = extractFlags(s, as, te);
      if (scan.flags.length > 0) flags = scan.flags.map((f) => makeFlag(line, f.raw, f.start, f.end));
      as = scan.rest;
    }
    as = skipSpace(s, as, te);
  }
  const parser: LineParser | 'ignore' = instructionSpec(name)?.parser ?? 'ignore';
  const body = parseBody(parser, line, as, te, escape, name);
  const keywordRange = line.range(ts, kwEnd);
  return {
    type: 'Instruction',
    keyword,
    name,
    keywordRange,
    flags,
    body,
    args: flatten(body, line, as),
    json: body.type === 'Json' || (body.type === 'Healthcheck' && body.command.type === 'Json'),
    heredocs: NONE,
    comments,
    original: s.slice(from, to),
    range: { start: keywordRange.start, end: end ?? line.endOf(ts, te) },
  };
}

function makeFlag(line: LogicalLine, raw: string, start: number, end: number): Flag {
  const body = raw.slice(2);
  const eq = body.indexOf('=');
  const range = line.range(start, end);
  if (eq === -1) return { type: 'Flag', raw, name: body, value: null, range, nameRange: range, valueRange: null };
  // Quotes and escapes can make raw shorter than its source: find the `=` in the source.
  const srcEq = raw.length === end - start ? start + 2 + eq : line.text.indexOf('=', start);
  const at = srcEq === -1 || srcEq >= end ? end : srcEq;
  return {
    type: 'Flag', raw, name: body.slice(0, eq), value: body.slice(eq + 1), range,
    nameRange: { start: range.start, end: line.endOf(start, at) },
    valueRange: { start: line.pos(Math.min(at + 1, end)), end: range.end },
  };
}

function arg(line: LogicalLine, value: string, from: number, to: number): Argument {
  return { type: 'Argument', value, range: line.range(from, to) };
}

function parseBody(parser: LineParser | 'ignore', line: LogicalLine, as: number, ae: number, escape: number, keyword: string): Body {
  const s = line.text;
  switch (parser) {
    case 'maybeJson':
      return maybeJson(line, as, ae);
    case 'maybeJsonToList': {
      const json = jsonBody(line, as, ae);
      if (json !== null) return json;
      return as === ae ? EMPTY : words(line, as, ae);
    }
    case 'whitespaceDelimited':
      return as === ae ? EMPTY : words(line, as, ae);
    case 'string':
      return as === ae ? EMPTY : { type: 'String', value: arg(line, s.slice(as, ae), as, ae) };
    case 'nameOrNameValue': {
      const found = parseWords(s, as, ae, escape);
      if (found.length === 0) return EMPTY;
      return { type: 'Words', words: found.map((w) => arg(line, w.value, w.start, w.end)) };
    }
    case 'keyValue':
      return keyValue(line, as, ae, escape, keyword);
    case 'healthcheck': {
      // BuildKit scans bytes here: the type word ends at ASCII white space.
      let sep = as;
      while (sep < ae && !isAsciiSpace(s.charCodeAt(sep))) sep++;
      if (sep === as) return EMPTY;
      let next = sep;
      while (next < ae && isAsciiSpace(s.charCodeAt(next))) next++;
      return { type: 'Healthcheck', kind: arg(line, s.slice(as, sep), as, sep), command: maybeJson(line, next, ae) };
    }
    case 'subCommand':
      if (as === ae) return EMPTY;
      return { type: 'Onbuild', instruction: build(line, as, ae, escape, []) };
    case 'ignore':
      return { type: 'Unknown', text: arg(line, s.slice(as, ae), as, ae) };
  }
}

const EMPTY: Body = Object.freeze({ type: 'Empty' });
/** One shared empty list for the many nodes without flags or heredocs. */
const NONE: readonly never[] = Object.freeze([]);

function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function maybeJson(line: LogicalLine, as: number, ae: number): CommandBody {
  if (as === ae) return { type: 'Empty' };
  return jsonBody(line, as, ae) ?? { type: 'Shell', command: arg(line, line.text.slice(as, ae), as, ae) };
}

/** The JSON form, null when the text is not a JSON array; throws on non-string elements. */
function jsonBody(line: LogicalLine, as: number, ae: number): Extract<Body, { type: 'Json' }> | null {
  if (as === ae || line.text.charCodeAt(as) !== 0x5b /* [ */) return null;
  const elements: Argument[] = [];
  const json = parseJsonArray(line.text, as, ae, (value, start, end) => elements.push(arg(line, value, start, end)));
  if (json === 'ok') return { type: 'Json', elements, range: line.range(as, ae) };
  if (json === 'notStrings') {
    throw new Problem({ code: 'PARSE_JSON_NOT_STRINGS', message: 'when using JSON array syntax, arrays must be comprised of strings only', from: as, to: ae });
  }
  return null;
}

function words(line: LogicalLine, as: number, ae: number): Body {
  const s = line.text;
  const out: Argument[] = [];
  for (let i = as; ;) {
    const e = findBlank(s, i, ae);
    out.push(arg(line, s.slice(i, e), i, e));
    if (e === ae) return { type: 'Words', words: out };
    i = skipBlank(s, e, ae);
  }
}

function keyValue(line: LogicalLine, as: number, ae: number, escape: number, keyword: string): Body {
  const s = line.text;
  // Spans, not words: a pair's key and value are sliced from the source once each.
  // The first word alone decides the form; the legacy form needs no other word.
  if (wordSpans(s, as, ae, escape, 3, 0) === 0) return EMPTY;
  if (equalsAt(s, WORD_SPANS[0]!, WORD_SPANS[1]!) === -1) {
    // Legacy `KEY value`: the value is the raw rest of the line after the first blank run.
    const kEnd = findBlank(s, as, ae);
    if (kEnd === ae) {
      throw new Problem({ code: 'PARSE_MISSING_VALUE', message: `${keyword.toUpperCase()} must have two arguments`, from: as, to: ae });
    }
    const vStart = skipBlank(s, kEnd, ae);
    const key = arg(line, s.slice(as, kEnd), as, kEnd);
    const value = arg(line, s.slice(vStart, ae), vStart, ae);
    return { type: 'KeyValue', pairs: [{ type: 'KeyValuePair', key, value, separator: '', range: { start: key.range.start, end: value.range.end } }] };
  }
  const n = wordSpans(s, WORD_SPANS[2]!, ae, escape, WORD_SPANS_ALL, 3);
  const pairs: KeyValuePair[] = [];
  for (let k = 0; k < n; k += 3) {
    const start = WORD_SPANS[k]!;
    const valueEnd = WORD_SPANS[k + 1]!;
    const end = WORD_SPANS[k + 2]!;
    const at = equalsAt(s, start, valueEnd);
    if (at === -1) {
      throw new Problem({
        code: 'PARSE_MISSING_EQUALS',
        message: `Syntax error - can't find = in ${JSON.stringify(s.slice(start, valueEnd))}. Must be of the form: name=value`,
        from: start, to: end,
      });
    }
    const key = arg(line, s.slice(start, at), start, at);
    const value = arg(line, s.slice(at + 1, valueEnd), at + 1, end);
    pairs.push({ type: 'KeyValuePair', key, value, separator: '=', range: { start: key.range.start, end: value.range.end } });
  }
  return { type: 'KeyValue', pairs };
}

/** Index of the first `=` in s[from, to), or -1. */
function equalsAt(s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 0x3d) return i;
  return -1;
}

/** BuildKit's nodeArgs: the flat argument list later stages read. */
function flatten(body: Body, line: LogicalLine, as: number): readonly Argument[] {
  switch (body.type) {
    case 'Empty':
      return [];
    case 'Json':
      return body.elements;
    case 'Shell':
      return [body.command];
    case 'Words':
      return body.words;
    case 'String':
      return [body.value];
    case 'KeyValue': {
      const out: Argument[] = [];
      for (const p of body.pairs) out.push(p.key, p.value, separatorArg(p));
      return out;
    }
    case 'Healthcheck':
      return [body.kind, ...flatten(body.command, line, as)];
    case 'Onbuild': {
      const child = body.instruction;
      return [{ type: 'Argument', value: child.keyword, range: child.keywordRange }, ...child.args];
    }
    case 'Unknown':
      // BuildKit keeps one empty argument for an instruction it does not know.
      return [{ type: 'Argument', value: '', range: line.range(as, as) }];
  }
}

function separatorArg(p: KeyValuePair): Argument {
  const at = p.key.range.end;
  if (p.separator === '') return { type: 'Argument', value: '', range: { start: at, end: at } };
  return { type: 'Argument', value: '=', range: { start: at, end: p.value.range.start } };
}
