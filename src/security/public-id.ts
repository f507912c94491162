// How a reader is named in what leaves the service (tokens, VERP tags, the List-Unsubscribe mailto, Message-IDs):
// subscribers.public_id (migration 021), random, never the sequential row id, which would tell the list's size
// and growth to anyone holding two links. Pure: no I/O.

/** A public id as it appears outside: the uuid's 32 lower-case hex digits (Postgres reads it back as a uuid). */
const PUBLIC_ID = /^[0-9a-f]{32}$/;

export const isPublicId = (text: unknown): text is string => typeof text === 'string' && PUBLIC_ID.test(text);

/**
 * The reader a signed value names: by public id, or (in what was signed before migration 021: links and
 * addresses in old emails) by row id. The legacy form is honoured because it is signed: nobody can make one.
 */
export type ReaderRef = { publicId: string } | { legacyId: number };
