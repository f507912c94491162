// Email templates: Handlebars (auto-escaping) fills templates/<name>/html.mjml, MJML compiles it to
// responsive HTML, and the plain-text part comes from templates/<name>/text.hbs when present, else
// from the HTML via html-to-text. Partials in templates/partials/*.mjml are shared by every template.
import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import mjml2html from 'mjml';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TEMPLATES_DIR } from '../paths.ts';
import { SIGNATURE_SEPARATOR, wrapText } from '../text/wrap.ts';

export interface RenderedEmail {
  html: string;
  text: string;
}

const handlebars = Handlebars.create();
handlebars.registerHelper('plural', (count: number, singular: string, plural: string) => (count === 1 ? singular : plural));
handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
// Text parts: `{{wrap "Label: " url indent="    "}}` joins its arguments and wraps them at 72 characters, later
// lines indented by `hanging` (default: `indent`); a URL that does not fit gets a line of its own.
handlebars.registerHelper('wrap', (...args: unknown[]) => {
  const options = args.pop() as Handlebars.HelperOptions;
  const { indent = '', hanging } = options.hash as { indent?: string; hanging?: string };
  const text = args.map((part) => (part === null || part === undefined ? '' : String(part))).join('');
  return wrapText(text, { indent, hangingIndent: hanging ?? indent }).join('\n');
});
// " 1." … "10.": numbers line up under each other, titles start in one column.
handlebars.registerHelper('rankLabel', (rank: number) => `${String(rank).padStart(2)}. `);
handlebars.registerHelper('signature', () => SIGNATURE_SEPARATOR);

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
  // No web fonts: MJML links Google Fonts for some families, which tells Google when a reader opens a message.
  const result = await mjml2html(template.html(data), { validationLevel: 'strict', keepComments: false, fonts: {} });
  if (result.errors.length > 0) {
    throw new Error(`template ${name} does not compile: ${result.errors.map((error) => error.formattedMessage).join('; ')}`);
  }
  const text = template.text ? template.text(data) : htmlToText(result.html);
  return { html: result.html, text };
}

const fragments = new Map<string, Handlebars.TemplateDelegate>();

/**
 * A Handlebars fragment of a template (templates/<name>/<file>.hbs): HTML (escaped) unless the file is `.txt.hbs`.
 * No MJML: the digest's paper blocks are rendered with it once per edition and put into the compiled email.
 */
export function renderFragment(name: string, file: string, data: object): string {
  const key = `${name}/${file}`;
  let template = fragments.get(key);
  if (!template) {
    const source = readFileSync(join(TEMPLATES_DIR, name, `${file}.hbs`), 'utf8');
    template = handlebars.compile(source, { strict: true, noEscape: file.endsWith('.txt') });
    fragments.set(key, template);
  }
  return template(data);
}
