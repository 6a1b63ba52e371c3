/**
 * The message of a failed call as it goes into logs, job files and round reports: short. The
 * SDK makes an error's message from the answer's body, and when a proxy in front of the API
 * answers (an HTML 502, 503 or 504 page from Cloudflare or a load balancer) that body is a page
 * of several kilobytes: the message is `<status> <!DOCTYPE html>…`. Such a message becomes the
 * page's title and its size; any other is cut to `MAX_MESSAGE` characters. Pure.
 */

export const MAX_MESSAGE = 300;

const HTML = /<!doctype html|<html[\s>]/i;

/** The text of an HTML fragment: tags dropped, entities of the usual few read, spaces folded. */
function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}

function cut(text: string): string {
  return text.length > MAX_MESSAGE
    ? `${text.slice(0, MAX_MESSAGE)}… (${text.length} characters)`
    : text;
}

/**
 * `message` short enough to log: an HTML page (by its content type or its text) as its title,
 * anything else cut to MAX_MESSAGE characters.
 */
export function shortErrorMessage(message: string, contentType?: string | null): string {
  const html = HTML.exec(message);
  if (html === null && !/text\/html/i.test(contentType ?? '')) return cut(message);
  const at = html?.index ?? 0;
  const before = message.slice(0, at).trim();
  const page = message.slice(at);
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(page)?.[1];
  const heading = /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(page)?.[1];
  const said = textOf(title ?? heading ?? '') || 'no title';
  const what = `${said} (an HTML page of ${Buffer.byteLength(page)} bytes, not an API answer: a proxy or gateway in front of the API)`;
  return cut(before === '' ? what : `${before} ${what}`);
}
