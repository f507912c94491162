// Auto-escaping HTML templates: every interpolated value is escaped unless it is already SafeHtml.
import { escapeHtml } from '../text/html.ts';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return new SafeHtml(out);
}

/** Marks a string we wrote ourselves (never user input) as HTML. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
