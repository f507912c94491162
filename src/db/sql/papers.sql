-- Papers and their upvote history (src/db/papers.ts). Both run in one transaction per ingest.

-- name: upsert-papers
-- $1 jsonb array of papers (PaperInput, camelCase keys, dates as ISO strings), $2 the ingest time (listing
-- time of a paper that never had one), $3 true for demo papers (a real ingest of a paper clears its mark). Rows whose data did not change are left alone (no write, no updated_at
-- bump, not counted as updated).
WITH input AS (
  SELECT r."externalId" AS external_id, r.title, r.abstract, r.authors, r.url, r."codeUrl" AS code_url,
         r."projectUrl" AS project_url, r."githubStars" AS github_stars, r."thumbnailUrl" AS thumbnail_url,
         r."numComments" AS num_comments, r."aiSummary" AS ai_summary, r.keywords, r."publishedAt" AS published_at,
         r."listedAt" AS listed_at, r.upvotes
  FROM jsonb_to_recordset($1::jsonb) AS r(
    "externalId" text, title text, abstract text, authors text[], url text, "codeUrl" text, "projectUrl" text,
    "githubStars" integer, "thumbnailUrl" text, "numComments" integer, "aiSummary" text, keywords text[],
    "publishedAt" timestamptz, "listedAt" timestamptz, upvotes integer
  )
),
upserted AS (
  INSERT INTO papers AS p (
    external_id, title, abstract, authors, url, code_url, project_url, github_stars, thumbnail_url,
    num_comments, ai_summary, keywords, published_at, listed_at, upvotes, demo
  )
  SELECT i.external_id, i.title, i.abstract, i.authors, i.url, i.code_url, i.project_url, i.github_stars,
         i.thumbnail_url, i.num_comments, i.ai_summary, i.keywords, i.published_at,
         -- A listing time, once known, is kept when a later listing omits it.
         COALESCE(i.listed_at, existing.listed_at, $2::timestamptz), i.upvotes, $3::boolean
  FROM input i
  LEFT JOIN papers existing ON existing.external_id = i.external_id
  ON CONFLICT (external_id) DO UPDATE SET
    title = excluded.title, abstract = excluded.abstract, authors = excluded.authors, url = excluded.url,
    code_url = excluded.code_url, project_url = excluded.project_url, github_stars = excluded.github_stars,
    thumbnail_url = excluded.thumbnail_url, num_comments = excluded.num_comments, ai_summary = excluded.ai_summary,
    keywords = excluded.keywords, published_at = excluded.published_at, listed_at = excluded.listed_at,
    upvotes = excluded.upvotes, demo = p.demo AND excluded.demo, updated_at = now()
  WHERE (p.title, p.abstract, p.authors, p.url, p.code_url, p.project_url, p.github_stars, p.thumbnail_url,
         p.num_comments, p.ai_summary, p.keywords, p.published_at, p.listed_at, p.upvotes, p.demo)
        IS DISTINCT FROM
        (excluded.title, excluded.abstract, excluded.authors, excluded.url, excluded.code_url, excluded.project_url,
         excluded.github_stars, excluded.thumbnail_url, excluded.num_comments, excluded.ai_summary, excluded.keywords,
         excluded.published_at, excluded.listed_at, excluded.upvotes, p.demo AND excluded.demo)
  RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted)::integer AS inserted,
       count(*) FILTER (WHERE NOT inserted)::integer AS updated
FROM upserted;

-- name: record-upvote-snapshots
-- $1 external ids, $2 their upvotes as observed, $3 when. One snapshot per paper per ingest, changed or not:
-- trending's velocity is the difference between two of them.
INSERT INTO upvote_snapshots (paper_id, observed_at, upvotes)
SELECT p.id, $3::timestamptz, o.upvotes
FROM unnest($1::text[], $2::integer[]) AS o(external_id, upvotes)
JOIN papers p ON p.external_id = o.external_id
ON CONFLICT (paper_id, observed_at) DO UPDATE SET upvotes = excluded.upvotes;

-- name: remove-demo-papers
-- `paperboy demo --remove`: the demo papers go, with their snapshots (cascade) and their places in editions
-- (an edition keeps its frozen copy in editions.papers, so its page and email do not change).
WITH demo AS (
  SELECT id FROM papers WHERE demo
), unlisted AS (
  DELETE FROM edition_papers ep USING demo d WHERE ep.paper_id = d.id
)
DELETE FROM papers p USING demo d WHERE p.id = d.id;
