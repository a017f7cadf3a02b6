// A generation's text as it grows, in pieces safe to show at once: never half a character, never the
// beginning of a stop string (which the final text leaves out).

/** Turns the tokens generated so far into the text each new token adds. */
export class TextStream {
  private readonly decode: (ids: readonly number[]) => string;
  private readonly stop: readonly string[];
  private shownText = '';

  /** `decode` gives the text of generated tokens (end-of-sequence tokens left out); `stop` the stop strings. */
  constructor(decode: (ids: readonly number[]) => string, stop: readonly string[] = []) {
    this.decode = decode;
    this.stop = stop;
  }

  /** What has been handed out so far. */
  get shown(): string {
    return this.shownText;
  }

  /** The text that `tokens` (every token generated so far) adds to what was shown; '' while it must wait. */
  next(tokens: readonly number[]): string {
    const text = this.decode(tokens);
    let safe = text.length;
    // A byte-level decoder shows an incomplete UTF-8 sequence as U+FFFD; the next token may complete it.
    while (safe > 0 && text[safe - 1] === '\uFFFD') safe--;
    // Up to a stop string, and short of a tail that a stop string begins with: the next tokens say whether it is one.
    for (const s of this.stop) {
      const at = text.indexOf(s);
      if (at >= 0 && at < safe) safe = at;
    }
    let held = safe;
    for (const s of this.stop) {
      for (let k = Math.min(s.length - 1, safe); k > 0; k--) {
        if (text.slice(safe - k, safe) === s.slice(0, k)) {
          held = Math.min(held, safe - k);
          break;
        }
      }
    }
    return this.advance(text.slice(0, held));
  }

  /** The rest of `finalText` (the generation's text, cut before a stop string) after what was shown. */
  finish(finalText: string): string {
    return this.advance(finalText);
  }

  private advance(upTo: string): string {
    // A decoder whose text of fewer tokens is not a prefix of its text of more would make the pieces disagree with
    // the whole; hold back until they agree again (the final text is sent whole besides).
    if (upTo.length <= this.shownText.length || !upTo.startsWith(this.shownText)) return '';
    const piece = upTo.slice(this.shownText.length);
    this.shownText = upTo;
    return piece;
  }
}
