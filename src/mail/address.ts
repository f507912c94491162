// Mailboxes in headers: "Paperboy <digest@example.org>" read once, the same way everywhere.
import addressparser from 'nodemailer/lib/addressparser/index.js';

export interface Mailbox {
  name: string;
  address: string;
}

/** The display name and address of a header value such as MAIL_FROM; throws if it holds no address. */
export function parseMailbox(value: string): Mailbox {
  const [first] = addressparser(value, { flatten: true }) as { name?: string; address?: string }[];
  if (!first?.address) throw new Error(`not a mailbox: ${value}`);
  return { name: first.name ?? '', address: first.address };
}

/** The domain of an address, lower-cased ("digest@Example.org" → "example.org"). */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** The host part of the From address: what Message-IDs and List-Id are made of. */
export function mailHost(from: string): string {
  return domainOf(parseMailbox(from).address);
}
