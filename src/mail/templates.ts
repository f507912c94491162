// Email templates: Handlebars (auto-escaping) fills templates/<name>/html.mjml, MJML compiles it to
// responsive HTML, and the plain-text part comes from templates/<name>/text.hbs when present, else
// from the HTML via html-to-text. Partials in templates/partials/*.mjml are shared by every template.
import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import mjml2html from 'mjml';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TEMPLATES_DIR } from '../paths.ts';

export interface RenderedEmail {
  html: string;
  text: string;
}

const handlebars = Handlebars.create();
handlebars.registerHelper('plural', (count: number, singular: string, plural: string) => (count === 1 ? singular : plural));
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);

const partialsDir = join(TEMPLATES_DIR, 'partials');
if (existsSync(partialsDir)) {
  for (const file of readdirSync(partialsDir)) {
    handlebars.registerPartial(basename(file).replace(/\.(mjml|hbs)$/, ''), readFileSync(join(partialsDir, file), 'utf8'));
  }
}

interface CompiledTemplate {
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate | undefined;
}
const cache = new Map<string, CompiledTemplate>();

function load(name: string): CompiledTemplate {
  let compiled = cache.get(name);
  if (!compiled) {
    const dir = join(TEMPLATES_DIR, name);
    const textFile = join(dir, 'text.hbs');
    compiled = {
      html: handlebars.compile(readFileSync(join(dir, 'html.mjml'), 'utf8'), { strict: true }),
      // The text part is not HTML: nothing to escape there.
      text: existsSync(textFile) ? handlebars.compile(readFileSync(textFile, 'utf8'), { strict: true, noEscape: true }) : undefined,
    };
    cache.set(name, compiled);
  }
  return compiled;
}

/** Turns email HTML into a readable plain-text part (links kept as "text [url]"). */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'table', format: 'block' },
      { selector: 'tr', format: 'block' },
      { selector: 'td', format: 'block' },
    ],
  });
}

let mjmlCompilations = 0;
/** How many times this process has compiled MJML: tests hold the digest to once per edition. */
export const mjmlCompilationCount = (): number => mjmlCompilations;

/** Renders one template to HTML (MJML, validated strictly) and plain text. MJML costs ~10 ms: call it once per edition, not per reader. */
export async function renderEmail(name: string, data: object): Promise<RenderedEmail> {
  const template = load(name);
  mjmlCompilations++;
  const result = await mjml2html(template.html(data), { validationLevel: 'strict', keepComments: false });
  if (result.errors.length > 0) {
    throw new Error(`template ${name} does not compile: ${result.errors.map((error) => error.formattedMessage).join('; ')}`);
  }
  const text = template.text ? template.text(data) : htmlToText(result.html);
  return { html: result.html, text };
}
