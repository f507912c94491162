-- Readers' own settings (the preferences page) and their one-click ratings.

-- name: find-reader-settings
SELECT frequency, weekday, size, hour, time_zone AS "timeZone",
       json_build_object('include', topics_include, 'exclude', topics_exclude, 'only', topics_only) AS topics,
       authors
  FROM reader_settings
 WHERE subscriber_id = $1;

-- name: save-reader-settings
-- Only for a subscriber that exists (a link to a removed reader saves nothing).
INSERT INTO reader_settings (subscriber_id, frequency, weekday, size, hour, time_zone, topics_include, topics_exclude,
                             topics_only, authors, utc_hour)
SELECT s.id, $2, $3, $4, $5, $6, $7::text[], $8::text[], $9, $10::text[], $11
  FROM subscribers s
 WHERE s.id = $1
ON CONFLICT (subscriber_id) DO UPDATE
   SET frequency = EXCLUDED.frequency, weekday = EXCLUDED.weekday, size = EXCLUDED.size, hour = EXCLUDED.hour,
       time_zone = EXCLUDED.time_zone, topics_include = EXCLUDED.topics_include, topics_exclude = EXCLUDED.topics_exclude,
       topics_only = EXCLUDED.topics_only, authors = EXCLUDED.authors, utc_hour = EXCLUDED.utc_hour, updated_at = now()
RETURNING subscriber_id;

-- name: record-rating
-- The last click wins; nothing for a paper or a reader that no longer exists.
INSERT INTO ratings (subscriber_id, paper_id, vote)
SELECT s.id, p.id, $3
  FROM subscribers s, papers p
 WHERE s.id = $1 AND p.id = $2
ON CONFLICT (subscriber_id, paper_id) DO UPDATE SET vote = EXCLUDED.vote, rated_at = now()
RETURNING paper_id;

-- name: undo-rating
-- Undo removes the rating only if it is still the one this link gave.
DELETE FROM ratings WHERE subscriber_id = $1 AND paper_id = $2 AND vote = $3;

-- name: find-paper-title
SELECT title FROM papers WHERE id = $1;

-- name: reader-tastes
-- Of a batch's readers ($1), those whose digest is their own: they saved settings, rated papers, or were sent a
-- paper of the candidates ($2) already. Readers of the shared digest have none of these and are not returned.
-- Their last 200 ratings, with the text taste compares, and which candidates they were sent: a personal digest's
-- papers from sent_papers, a shared digest's from its edition (a reader who turns weekly was sent the shared
-- digests of the days before, and the week's pools hold those papers).
SELECT r.id AS "subscriberId",
       (SELECT json_build_object('frequency', s.frequency, 'size', s.size, 'include', s.topics_include,
                                 'exclude', s.topics_exclude, 'only', s.topics_only, 'authors', s.authors)
          FROM reader_settings s WHERE s.subscriber_id = r.id) AS settings,
       COALESCE((SELECT json_agg(json_build_object('id', p.id, 'title', p.title, 'abstract', p.abstract,
                                                   'keywords', p.keywords, 'vote', g.vote))
                   FROM (SELECT paper_id, vote FROM ratings WHERE subscriber_id = r.id ORDER BY rated_at DESC LIMIT 200) g
                   JOIN papers p ON p.id = g.paper_id), '[]') AS rated,
       ARRAY(SELECT sp.paper_id FROM sent_papers sp WHERE sp.subscriber_id = r.id AND sp.paper_id = ANY($2::bigint[])
             UNION
             SELECT ep.paper_id
               FROM deliveries d
               JOIN edition_papers ep ON ep.edition_id = d.edition_id
              WHERE d.subscriber_id = r.id AND d.status = 'sent' AND NOT d.personal AND ep.paper_id = ANY($2::bigint[])) AS sent
  FROM unnest($1::bigint[]) AS r(id)
 WHERE EXISTS (SELECT 1 FROM reader_settings s WHERE s.subscriber_id = r.id)
    OR EXISTS (SELECT 1 FROM ratings g WHERE g.subscriber_id = r.id)
    OR EXISTS (SELECT 1 FROM sent_papers sp WHERE sp.subscriber_id = r.id AND sp.paper_id = ANY($2::bigint[]));

-- name: prune-sent-papers
-- A paper sent longer ago than this can no longer be a candidate (it left the trending window and every week's
-- pool): its row no longer guards anything.
DELETE FROM sent_papers WHERE sent_at < now() - make_interval(hours => $1);
