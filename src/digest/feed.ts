// The feeds: the newest editions as Atom (RFC 4287) and JSON Feed, one entry per edition carrying its papers.
// Pure: built from frozen editions, so an entry never changes once published (readers see no phantom updates).
import { Feed } from 'feed';
import type { PublishedEdition } from '../db/editions.ts';
import { escapeHtml } from '../text/html.ts';
import { editionHeading, longDate, paperView, type PaperView } from './digest-view.ts';

/** How many editions the feeds carry: three weeks of mornings. */
export const FEED_EDITIONS = 21;

export interface FeedLinks {
  /** PUBLIC_URL. */
  publicUrl: string;
}

function absolute(path: string, publicUrl: string): string {
  return new URL(path, publicUrl).toString();
}

function paperHtml(paper: PaperView): string {
  const links = [...(paper.huggingFaceUrl ? [{ label: 'Hugging Face', url: paper.huggingFaceUrl }] : []), ...paper.links]
    .map((link) => `<a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a>`)
    .join(' · ');
  return (
    `<li><p><a href="${escapeHtml(paper.url)}"><strong>${escapeHtml(paper.title)}</strong></a><br>` +
    `${escapeHtml(paper.votes)} · ${escapeHtml(paper.authors)}</p>` +
    `<p>${escapeHtml(paper.tldr)}</p><p>${links}</p></li>`
  );
}

/** An edition as an entry's HTML: its heading, then its papers in rank order. */
export function editionHtml(edition: PublishedEdition): string {
  const papers = edition.papers.map(paperView);
  return `<p>${escapeHtml(editionHeading(papers.length))}.</p><ol>${papers.map(paperHtml).join('')}</ol>`;
}

export function buildFeed(editions: readonly PublishedEdition[], { publicUrl }: FeedLinks): Feed {
  const home = absolute('/', publicUrl);
  const feed = new Feed({
    id: home,
    title: 'Paperboy: trending research papers',
    description: 'Every morning, the papers rising fastest on Hugging Face Daily Papers.',
    link: home,
    language: 'en',
    // Atom requires <updated>: when the latest edition was made, or the epoch for an empty archive (stable bytes).
    updated: new Date(Math.max(0, ...editions.map((edition) => edition.createdAt.getTime()))),
    generator: 'Paperboy',
    feedLinks: { atom: absolute('/feed.xml', publicUrl), json: absolute('/feed.json', publicUrl) },
    author: { name: 'Paperboy', link: home },
    copyright: 'Paper titles and abstracts belong to their authors; votes and AI summaries come from Hugging Face Daily Papers.',
  });
  for (const edition of editions) {
    const url = absolute(`/editions/${edition.editionDate}`, publicUrl);
    const lead = edition.papers
      .slice(0, 3)
      .map((paper) => paperView(paper).title)
      .join(' · ');
    feed.addItem({
      id: url,
      link: url,
      title: `${longDate(edition.editionDate)}: ${edition.papers.length} trending ${edition.papers.length === 1 ? 'paper' : 'papers'}`,
      description: lead,
      content: editionHtml(edition),
      date: edition.createdAt,
      published: edition.createdAt,
      author: [{ name: 'Paperboy', link: home }],
    });
  }
  return feed;
}
