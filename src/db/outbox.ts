// The development outbox: where mail goes when SMTP_URL is unset, browsable at /dev/outbox.
import type { Queryable } from './pool.ts';

export interface OutboxMessage {
  id: number;
  messageId: string | null;
  envelopeTo: string[];
  subject: string | null;
  createdAt: Date;
}

/** Stores one message; returns its id. */
export async function insertOutboxMessage(
  db: Queryable,
  message: { messageId: string | null; envelopeTo: string[]; subject: string | null; raw: Buffer },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO outbox_messages (message_id, envelope_to, subject, raw)
     VALUES ($1, $2, $3, $4)
     RETURNING id`,
    [message.messageId, message.envelopeTo, message.subject, message.raw],
  );
  return rows[0]!.id;
}

/** The newest messages first, without their bodies. */
export async function listOutboxMessages(db: Queryable, limit = 200): Promise<OutboxMessage[]> {
  const { rows } = await db.query<OutboxMessage>(
    `SELECT id, message_id AS "messageId", envelope_to AS "envelopeTo", subject, created_at AS "createdAt"
       FROM outbox_messages
      ORDER BY id DESC
      LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function findOutboxMessage(db: Queryable, id: number): Promise<(OutboxMessage & { raw: Buffer }) | undefined> {
  const { rows } = await db.query<OutboxMessage & { raw: Buffer }>(
    `SELECT id, message_id AS "messageId", envelope_to AS "envelopeTo", subject, created_at AS "createdAt", raw
       FROM outbox_messages
      WHERE id = $1`,
    [id],
  );
  return rows[0];
}
