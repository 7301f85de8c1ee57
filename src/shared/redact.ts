/**
 * Credentials in URLs never reach a message, a log or a report: `http://user:secret@host` is shown as
 * `http://user:***@host`. Works on text that is not a valid URL too (an endpoint with a bad port is
 * exactly the one an error message echoes), so it matches the userinfo part by pattern, not by parsing.
 */

/** `scheme://user:password@` at the start of a URL or anywhere in a message. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@'"]*)@/gi;

/** The text with the password of every `scheme://user:password@` replaced by `***` (a lone user name stays). */
export function redactUrlCredentials(text: string): string {
  return text.replace(USERINFO, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
