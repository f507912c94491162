/**
 * The URL when it is an absolute http(s) link, else null: scraped data may carry `javascript:` or garbage,
 * and only a web link may become a link in an email or a page.
 */
export function httpUrl(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}
