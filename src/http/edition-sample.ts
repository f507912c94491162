// The subscribe page with the latest edition's top papers as its sample. The page is the API's busiest, so it is
// rebuilt at most once a minute (a new edition appears once a day), never per request.
import { listRecentEditions } from '../db/editions.ts';
import type { Queryable } from '../db/pool.ts';
import { FEATURED_PAPERS, paperView } from '../digest/digest-view.ts';
import { editionSample } from './pages/edition.ts';
import { subscribePage } from './pages/subscription.ts';

export const SAMPLE_REFRESH_MS = 60_000;

export function cachedSubscribePage(db: Queryable, refreshMs = SAMPLE_REFRESH_MS, now = () => Date.now()): () => Promise<string> {
  let page: Promise<string> | undefined;
  let builtAt = 0;
  const build = async (): Promise<string> => {
    const [latest] = await listRecentEditions(db, 1);
    if (!latest) return subscribePage();
    return subscribePage({}, editionSample(latest.editionDate, latest.papers.slice(0, FEATURED_PAPERS).map(paperView)));
  };
  return () => {
    if (!page || now() - builtAt >= refreshMs) {
      builtAt = now();
      const building = build();
      // A failed lookup (database away) serves the page without a sample and is retried on the next request.
      page = building.catch(() => {
        builtAt = 0;
        return subscribePage();
      });
    }
    return page;
  };
}
