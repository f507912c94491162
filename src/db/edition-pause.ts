// The sending circuit breaker's store: an edition's run tallies its final SMTP answers and pauses itself when
// too many are refusals (src/db/sql/edition-pause.sql). Pausing is in Postgres, so every worker sees it.
import type { Queryable } from './pool.ts';
import { loadQueries } from './queries.ts';

const sql = loadQueries('edition-pause.sql', ['tally-send-outcomes', 'note-pause-reason', 'edition-pause', 'resume-edition']);

export interface PauseRule {
  /** Never pause before this many final answers in the run. */
  minAttempts: number;
  /** Pause once refusals / final answers exceeds this. */
  refusalRate: number;
}

export type TallyResult = { paused: false } | { paused: true; justPaused: boolean };

/** Adds final answers to the edition's run; pauses it when the rule says so. `justPaused`: this call did. */
export async function tallySendOutcomes(
  db: Queryable,
  editionId: number,
  outcomes: { attempts: number; refusals: number },
  rule: PauseRule,
): Promise<TallyResult> {
  const { rows } = await db.query<{ justPaused: boolean }>(sql['tally-send-outcomes'], [
    editionId,
    outcomes.attempts,
    outcomes.refusals,
    rule.minAttempts,
    rule.refusalRate,
  ]);
  const row = rows[0];
  if (!row) return { paused: true, justPaused: false };
  return row.justPaused ? { paused: true, justPaused: true } : { paused: false };
}

export interface EditionPause {
  pausedAt: Date | null;
  /** The run's most common refusal, once paused. */
  reason: string | null;
  attempts: number;
  refusals: number;
}

/** Records the run's most common refusal on the paused edition, and returns the pause. */
export async function notePauseReason(db: Queryable, editionId: number): Promise<Omit<EditionPause, 'pausedAt'> | undefined> {
  const { rows } = await db.query<Omit<EditionPause, 'pausedAt'>>(sql['note-pause-reason'], [editionId]);
  return rows[0];
}

export async function editionPause(db: Queryable, editionId: number): Promise<EditionPause | undefined> {
  const { rows } = await db.query<EditionPause>(sql['edition-pause'], [editionId]);
  return rows[0];
}

/** Unpauses the edition of that date (a new run) and requeues its failed deliveries; editionId null: it was not paused. */
export async function resumeEdition(db: Queryable, editionDate: string): Promise<{ editionId: number | null; requeued: number }> {
  const { rows } = await db.query<{ editionId: number | null; requeued: number }>(sql['resume-edition'], [editionDate]);
  return rows[0]!;
}
