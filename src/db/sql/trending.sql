-- Trending (src/db/trending.ts; options in src/digest/trending.ts). The formula and its reasons are in README.md, "Papers and trending".

-- name: pick-trending-papers
-- $1 as_of, $2 window hours, $3 gravity, $4 velocity weight, $5 limit, $6 whether demo papers may trend
-- (then only while no real paper exists at all: demo papers never fill up a real edition).
--   points = upvotes + velocity_weight * upvotes gained in the 24 h before as_of
--   score  = points / (age_hours + 2) ^ gravity        (Hacker News gravity, age from listed_at)
-- Plan: the window is a range scan of papers_listed_at_idx (a few thousand rows at most, never the table);
-- each candidate then reads two snapshots by the primary key (paper_id, observed_at), newest first, LIMIT 1.
WITH candidates AS (
  SELECT p.id, p.external_id, p.listed_at, p.upvotes
  FROM papers p
  WHERE p.listed_at >= $1::timestamptz - $2::float8 * interval '1 hour'
    AND p.listed_at <= $1::timestamptz
    AND NOT EXISTS (SELECT 1 FROM edition_papers ep WHERE ep.paper_id = p.id)
    AND (NOT p.demo OR ($6::boolean AND NOT EXISTS (SELECT 1 FROM papers r WHERE NOT r.demo)))
),
measured AS (
  SELECT c.id, c.external_id, c.listed_at,
         -- Votes as of as_of (a digest rebuilt later ranks as it would have then).
         COALESCE(now_snap.upvotes, c.upvotes) AS upvotes,
         GREATEST(0, COALESCE(now_snap.upvotes, c.upvotes) - COALESCE(
           day_ago.upvotes,
           -- No snapshot 24 h ago: a paper listed within the day had 0 votes then; an older one is only
           -- credited with what we saw it gain since we first saw it (never with its whole total).
           CASE WHEN c.listed_at > $1::timestamptz - interval '24 hours' THEN 0
                ELSE (SELECT s.upvotes FROM upvote_snapshots s
                      WHERE s.paper_id = c.id AND s.observed_at > $1::timestamptz - interval '24 hours'
                        AND s.observed_at <= $1::timestamptz
                      ORDER BY s.observed_at LIMIT 1)
           END,
           COALESCE(now_snap.upvotes, c.upvotes))) AS upvotes_last_24h,
         -- date_part is float8 (extract would be numeric: slower for thousands of candidates).
         date_part('epoch', $1::timestamptz - c.listed_at) / 3600 AS age_hours
  FROM candidates c
  LEFT JOIN LATERAL (
    SELECT s.upvotes FROM upvote_snapshots s
    WHERE s.paper_id = c.id AND s.observed_at <= $1::timestamptz
    ORDER BY s.observed_at DESC LIMIT 1
  ) now_snap ON true
  LEFT JOIN LATERAL (
    SELECT s.upvotes FROM upvote_snapshots s
    WHERE s.paper_id = c.id AND s.observed_at <= $1::timestamptz - interval '24 hours'
    ORDER BY s.observed_at DESC LIMIT 1
  ) day_ago ON true
),
ranked AS (
  SELECT m.*, (m.upvotes + $4::float8 * m.upvotes_last_24h) / power(m.age_hours + 2, $3::float8) AS score
  FROM measured m
  ORDER BY score DESC, m.upvotes DESC, m.listed_at DESC, m.external_id
  LIMIT $5::integer
)
SELECT p.id, p.external_id AS "externalId", p.title, p.abstract, p.authors, p.url, p.code_url AS "codeUrl",
       p.project_url AS "projectUrl", p.github_stars AS "githubStars", p.ai_summary AS "aiSummary",
       p.keywords, p.thumbnail_url AS "thumbnailUrl", p.num_comments AS "numComments",
       r.upvotes, r.upvotes_last_24h AS "upvotesLast24h", p.listed_at AS "listedAt", p.published_at AS "publishedAt", r.score
FROM ranked r
JOIN papers p ON p.id = r.id
ORDER BY r.score DESC, r.upvotes DESC, r.listed_at DESC, r.external_id;
