// Go's unicode.IsSpace: Latin-1 spaces plus the Unicode White_Space property.
const SPACE = /^\p{White_Space}$/u;

export function isShellSpace(ch: string): boolean {
  return SPACE.test(ch);
}

/**
 * Splits an expanded word into fields as BuildKit does: unquoted whitespace (typed or
 * produced by a variable) separates words, quoted and escaped text never does, and a
 * word that stayed empty (`""`) is dropped.
 */
export class WordCollector {
  private word = '';
  private inWord = false;
  private readonly words: string[] = [];

  /** An unquoted character as written. */
  addPlain(ch: string): void {
    if (isShellSpace(ch)) {
      if (this.inWord && this.word !== '') {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else {
      this.addLiteral(ch);
    }
  }

  /** A character that cannot split (escaped). */
  addLiteral(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  /** The value of an unquoted `$x`: its whitespace splits. */
  addExpanded(text: string): void {
    for (const ch of text) this.addPlain(ch);
  }

  /** The contents of a quoted string: never splits. */
  addQuoted(text: string): void {
    this.word += text;
    this.inWord = true;
  }

  finish(): string[] {
    if (this.word !== '') {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}
