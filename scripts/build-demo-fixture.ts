// Builds fixtures/daily-papers-demo.json from a text capture of the Daily Papers page
// (../shared/seed/daily-papers-page.txt), in the format of GET https://huggingface.co/api/daily_papers.
//
//   node --import tsx scripts/build-demo-fixture.ts [capture.txt] [out.json]
//
// The capture is blocks separated by blank lines: the page header (its last line is the page's date,
// "Dec 9"), then per paper a title, an abstract and, for most, "• N authors / · / <date> [upvotes]".
// What the page has is kept exactly (titles, abstracts with their LaTeX and odd characters, author counts,
// dates, upvotes). What it lacks is synthetic and says so: ids `synthetic-0001`…, author names
// "Synthetic Author k of N", and listing times (submittedOnDailyAt) on the page's day, one every 15 minutes
// in page order (the first paper listed last). `paperboy demo` shifts those times to the last hours.
import { readFileSync, writeFileSync } from 'node:fs';

/** The year the capture was taken: dates without a year on the page are in it. */
const CAPTURE_YEAR = 2025;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parseDay(text: string): Date {
  const match = /^([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?$/.exec(text);
  if (!match) throw new Error(`not a page date: "${text}"`);
  const month = MONTHS.indexOf(match[1]!);
  if (month < 0) throw new Error(`not a month: "${match[1]}"`);
  return new Date(Date.UTC(match[3] ? Number(match[3]) : CAPTURE_YEAR, month, Number(match[2])));
}

interface Captured {
  title: string;
  summary: string;
  authorCount: number;
  publishedOn: Date | null;
  upvotes: number;
}

const META = /^•\s*(\d+) authors?\n·\n([A-Z][a-z]{2} \d{1,2}(?:, \d{4})?)(?: (\d+))?$/;

export function parseCapture(text: string): { pageDay: Date; papers: Captured[] } {
  const blocks = text
    .split(/\n[ \t]*\n/)
    .map((block) => block.trim())
    .filter(Boolean);
  const dayIndex = blocks.findIndex((block) => /^[A-Z][a-z]{2} \d{1,2}$/.test(block));
  if (dayIndex < 0) throw new Error('the page date is missing');
  const pageDay = parseDay(blocks[dayIndex]!);
  const papers: Captured[] = [];
  let index = dayIndex + 1;
  while (index < blocks.length) {
    const title = blocks[index]!;
    const summary = blocks[index + 1];
    if (summary === undefined || META.test(title) || META.test(summary))
      throw new Error(`unexpected block ${index}: ${title.slice(0, 60)}`);
    const meta = META.exec(blocks[index + 2] ?? '');
    papers.push({
      title,
      summary,
      authorCount: meta ? Number(meta[1]) : 0,
      publishedOn: meta ? parseDay(meta[2]!) : null,
      upvotes: meta?.[3] ? Number(meta[3]) : 0,
    });
    index += meta ? 3 : 2;
  }
  return { pageDay, papers };
}

export function toDailyPapers({ pageDay, papers }: ReturnType<typeof parseCapture>) {
  const lastListing = pageDay.getTime() + 23 * 3600_000;
  return papers.map((captured, index) => {
    const id = `synthetic-${String(index + 1).padStart(4, '0')}`;
    const listedAt = new Date(lastListing - index * 15 * 60_000).toISOString();
    const authors = Array.from({ length: captured.authorCount }, (_, k) => ({
      name: `Synthetic Author ${k + 1} of ${captured.authorCount}`,
      hidden: false,
    }));
    return {
      paper: {
        id,
        authors,
        // Two papers show no date on the page: left out rather than invented.
        publishedAt: captured.publishedOn?.toISOString(),
        title: captured.title,
        summary: captured.summary,
        upvotes: captured.upvotes,
        submittedOnDailyAt: listedAt,
      },
      publishedAt: listedAt,
      title: captured.title,
      summary: captured.summary,
      thumbnail: null,
      numComments: 0,
      isAuthorParticipating: false,
    };
  });
}

const [input = '../shared/seed/daily-papers-page.txt', output = 'fixtures/daily-papers-demo.json'] = process.argv.slice(2);
const entries = toDailyPapers(parseCapture(readFileSync(input, 'utf8')));
writeFileSync(output, `${JSON.stringify(entries, null, 2)}\n`);
process.stdout.write(`wrote ${entries.length} papers to ${output}\n`);
