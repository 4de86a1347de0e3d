/**
 * `WWW-Authenticate` parsing (RFC 7235): a header may hold several challenges, each a
 * scheme followed by either a token68 or comma-separated `name=value` pairs whose values
 * are tokens or quoted strings with backslash escapes. Registries send `Basic realm=...`
 * or `Bearer realm=...,service=...,scope=...`; some send both in one header.
 */
export interface Challenge {
  /** Lower-cased scheme: `basic`, `bearer`, ... */
  readonly scheme: string;
  /** Parameter names lower-cased; values as sent (unquoted, unescaped). */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && (this.text[this.pos] === ' ' || this.text[this.pos] === '\t')) this.pos++;
  }
  skipSeparators(): void {
    while (this.pos < this.text.length && /[\s,]/.test(this.text[this.pos]!)) this.pos++;
  }
  token(): string {
    const start = this.pos;
    while (this.pos < this.text.length && TOKEN.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }
  peek(): string | undefined {
    return this.text[this.pos];
  }
  done(): boolean {
    return this.pos >= this.text.length;
  }
  quoted(): string {
    // Caller has seen the opening quote; an unterminated string runs to the end.
    this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos++]!;
      if (ch === '"') return out;
      if (ch === '\\' && this.pos < this.text.length) out += this.text[this.pos++];
      else out += ch;
    }
    return out;
  }
}

/** Parses every challenge in the header value; malformed tails are dropped, never thrown. */
export function parseWwwAuthenticate(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseWwwAuthenticate(h));
  const c = new Cursor(header);
  const challenges: Challenge[] = [];
  c.skipSeparators();
  while (!c.done()) {
    const scheme = c.token();
    if (!scheme) break;
    const params: Record<string, string> = {};
    c.skipSpace();
    // Parameters continue until a token that is followed by a space instead of `=`: that
    // token is the next challenge's scheme.
    for (;;) {
      c.skipSeparators();
      const save = c.pos;
      const name = c.token();
      if (!name) break;
      c.skipSpace();
      if (c.peek() !== '=') {
        c.pos = save;
        break;
      }
      c.pos++;
      // token68 (`Basic dXNlcjpwYXNz==`) ends in `=` with nothing after: not a parameter.
      if (c.peek() === '=' || c.done() || c.peek() === ',') {
        while (c.peek() === '=') c.pos++;
        continue;
      }
      c.skipSpace();
      params[name.toLowerCase()] = c.peek() === '"' ? c.quoted() : c.token();
    }
    challenges.push({ scheme: scheme.toLowerCase(), params });
    c.skipSeparators();
  }
  return challenges;
}

/** One `type:name:actions` scope. The name may contain colons (`host:port/ns/repo`). */
export interface Scope {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

export function parseScope(text: string): Scope | undefined {
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last <= first) return undefined;
  return { type: text.slice(0, first), name: text.slice(first + 1, last), actions: text.slice(last + 1).split(',').filter(Boolean) };
}

export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${[...scope.actions].join(',')}`;
}

/** The scope a repository operation needs: `pull`, or `pull,push` to write. */
export function repositoryScope(name: string, push: boolean): Scope {
  return { type: 'repository', name, actions: push ? ['pull', 'push'] : ['pull'] };
}

/**
 * Merges scopes so that each resource appears once with the union of its actions, in a
 * stable order: the key under which a token is cached.
 */
export function normaliseScopes(scopes: readonly Scope[]): Scope[] {
  const merged = new Map<string, Set<string>>();
  for (const s of scopes) {
    const key = `${s.type}:${s.name}`;
    const set = merged.get(key) ?? new Set<string>();
    for (const a of s.actions) set.add(a);
    merged.set(key, set);
  }
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, actions]) => {
    const colon = key.indexOf(':');
    return { type: key.slice(0, colon), name: key.slice(colon + 1), actions: [...actions].sort() };
  });
}
