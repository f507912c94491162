-- Up Migration

-- Who may undo an unsubscribe with one click (the unsubscribe token proves the inbox): someone who had
-- confirmed, unsubscribed within the window, and is not suppressed. One definition, used both by the page
-- that offers the button (find-subscriber) and by the statement that acts on it (resubscribe-subscriber).
CREATE FUNCTION subscriber_can_resubscribe(s subscribers, window_days integer) RETURNS boolean
  LANGUAGE sql STABLE AS $$
    SELECT s.status = 'unsubscribed'
       AND s.confirmed_at IS NOT NULL
       AND s.unsubscribed_at > now() - make_interval(days => window_days)
       AND NOT EXISTS (SELECT 1 FROM suppressions p WHERE p.email = lower(s.email))
  $$;

-- Down Migration
DROP FUNCTION subscriber_can_resubscribe(subscribers, integer);
