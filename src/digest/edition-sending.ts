// What a sender keeps per edition and process: the shared digest's message factory (parts encoded once, body hash
// cached for DKIM), and what personal digests are assembled from (the day's and the week's pools and kits).
// A personal message joins the pool's blocks, QP-encoded once per edition, in the reader's order: no MJML, no
// Handlebars, and per reader only their ranks, lines of why and links encoded and canonicalised for DKIM.
import type { Env } from '../config/env.ts';
import { findEditionById, findWeekMaterials } from '../db/editions.ts';
import type { Queryable } from '../db/pool.ts';
import type { StoredTaste } from '../db/reader-settings.ts';
import { mailHost } from '../mail/address.ts';
import {
  createDigestMessageFactory,
  createJoinedMessages,
  type DigestMessageFactory,
  type JoinedMessages,
} from '../mail/digest-message.ts';
import type { DkimSigner } from '../mail/dkim.ts';
import { assembleEncodedDigest } from './assemble.ts';
import { choosePapers, isWeekly, mergeMaterial, type DigestMaterial, type PersonalChoice } from './personal.ts';
import { UNSUBSCRIBE_PLACEHOLDER } from './render.ts';

export interface EditionSending {
  editionDate: string;
  shared: DigestMessageFactory;
  /** Undefined for an edition built before personal digests: everyone gets the shared one. */
  day?: DigestMaterial;
  week?: DigestMaterial;
  /** The personal digests' message factories (frames made once per subject). */
  personal: JoinedMessages;
}

export async function loadEditionSending(
  db: Queryable,
  env: Pick<Env, 'MAIL_FROM'>,
  editionId: number,
  dkim: DkimSigner | undefined,
): Promise<EditionSending> {
  const edition = await findEditionById(db, editionId);
  if (!edition) throw new Error(`edition ${editionId} does not exist`);
  const sender = { from: env.MAIL_FROM, feedbackId: `${edition.editionDate}:digest:${mailHost(env.MAIL_FROM)}:paperboy` };
  const sending: EditionSending = {
    editionDate: edition.editionDate,
    shared: createDigestMessageFactory(edition, sender, UNSUBSCRIBE_PLACEHOLDER, dkim),
    personal: createJoinedMessages(sender, UNSUBSCRIBE_PLACEHOLDER, dkim),
  };
  if (edition.pool && edition.kit) {
    sending.day = { pool: edition.pool, kit: edition.kit };
    const week = await findWeekMaterials(db, edition.editionDate);
    sending.week = week.length > 0 ? mergeMaterial(week) : sending.day;
  }
  return sending;
}

/** Every paper a reader of this edition may be sent (the week's pool holds the day's). */
export const candidateIds = (sending: EditionSending) => (sending.week ?? sending.day)?.pool.map((paper) => paper.id) ?? [];

export type ReaderMessage =
  // The shared digest's papers are its edition's: only a personal digest's are listed (and kept, sent_papers).
  | { kind: 'shared'; factory: DigestMessageFactory }
  | { kind: 'personal'; factory: DigestMessageFactory; paperIds: readonly number[] }
  | { kind: 'nothing'; reason: string };

/** Readers whose digest is still exactly the shared one: no taste, no other size, nothing of it sent before. */
function getsSharedDigest(sending: EditionSending, stored: StoredTaste, defaultSize: number): boolean {
  const settings = stored.settings;
  return (
    stored.rated.length === 0 &&
    stored.sent.length === 0 &&
    (!settings ||
      (settings.frequency === 'daily' &&
        settings.size === defaultSize &&
        settings.include.length + settings.exclude.length + settings.authors.length === 0 &&
        !settings.only))
  );
}

/** The message factory for one reader (`stored` undefined: nothing of theirs is stored, the shared digest). */
export function messageFor(
  sending: EditionSending,
  stored: StoredTaste | undefined,
  options: { defaultSize: number; tasteWeight: number },
): ReaderMessage {
  const shared = { kind: 'shared', factory: sending.shared } as const;
  if (!stored || !sending.day || getsSharedDigest(sending, stored, options.defaultSize)) return shared;
  const material = isWeekly(stored) ? sending.week! : sending.day;
  const choice: PersonalChoice = choosePapers(material.pool, stored, options);
  if (choice.kind === 'nothing') return choice;
  const assembled = assembleEncodedDigest(material.kit, sending.editionDate, choice.papers);
  return {
    kind: 'personal',
    factory: sending.personal({ editionDate: sending.editionDate, ...assembled }),
    paperIds: choice.papers.map((paper) => paper.paperId),
  };
}
