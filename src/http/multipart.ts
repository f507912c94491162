// A small multipart/form-data reader for the text fields of tiny forms. Some mail clients send the
// RFC 8058 one-click unsubscribe as multipart; we only ever need short text fields, never files.
import { badRequest } from './errors.ts';

/** Returns the text fields of a multipart/form-data body; file parts are ignored. */
export function parseMultipartFields(body: string, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker || marker.length > 200) throw badRequest('The form could not be read (multipart body without a boundary).');
  // No prototype: a part named __proto__ must stay a plain field.
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of body.split(`--${marker}`).slice(1)) {
    if (part.startsWith('--')) break;
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) continue;
    const headers = part.slice(0, split);
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined || /(?:^|;)\s*filename\*?=/i.test(disposition)) continue;
    // A part's value ends with the CRLF that precedes the next boundary.
    fields[name] = part.slice(split + 4).replace(/\r\n$/, '');
  }
  return fields;
}
