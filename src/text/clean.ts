// Cleaning text that came from outside before it is stored or shown: pure, no I/O.
//
// PostgreSQL refuses NUL in text and lone UTF-16 surrogates in jsonb, so one such character would fail a whole
// ingest; bidirectional overrides (U+202E…) let a title display as something else than it is, in a page or a
// Subject line.

// NUL and the other C0/C1 controls except tab and line breaks, which whitespace collapsing deals with.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Lone surrogates: a high one not followed by a low one, a low one not preceded by a high one.
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Bidirectional embeddings, overrides and isolates, and the directional marks.
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Removes what can be neither stored nor trusted on screen: NUL and other controls, lone surrogates, bidi controls. */
export function cleanText(value: string): string {
  return value.replace(CONTROLS, '').replace(LONE_SURROGATES, '').replace(BIDI_CONTROLS, '');
}

/** Removes bidirectional controls only (a Subject line built from stored titles). */
export function withoutBidiControls(value: string): string {
  return value.replace(BIDI_CONTROLS, '');
}

/** One line of text: cleaned, every run of whitespace (arXiv's `\n  ` folds included) one space, trimmed. */
export function oneLine(value: string): string {
  return cleanText(value).replace(/\s+/g, ' ').trim();
}

/** At most `max` characters (code points, never half a surrogate pair), with an ellipsis when cut. */
export function capLength(value: string, max: number): string {
  if (value.length <= max) return value;
  const points = Array.from(value);
  if (points.length <= max) return value;
  return (
    points
      .slice(0, max - 1)
      .join('')
      .trimEnd() + '…'
  );
}
