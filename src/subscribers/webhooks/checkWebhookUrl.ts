import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { UnprocessableError, ValidationError } from '../../errors.ts';
import { isPublicAddress } from '../../values/publicAddress.ts';

/** Resolves a host name to every address it has (dns.lookup with all: the resolver the connection itself would use). */
export type ResolveHost = (host: string) => Promise<{ address: string; family: number }[]>;

export const resolveHost: ResolveHost = (host) => dnsLookup(host, { all: true, verbatim: true });

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

/** Only http(s), no fragment: anything else is a 400 naming `url`. */
export function parseWebhookUrl(text: string, field = 'url'): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ValidationError('url is not an absolute URL', [{ field, message: 'must be an absolute http(s) URL' }]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError('url must be http or https', [{ field, message: `scheme ${url.protocol.replace(':', '')} is not allowed; use http or https` }]);
  }
  return url;
}

/**
 * The addresses a delivery to `host` may connect to: all of them public, or an error
 * naming the first that is not (one private address among public ones is enough to
 * refuse: the connection could pick it). `allowPrivate` (ACCRUE_WEBHOOK_ALLOW_PRIVATE)
 * skips the check.
 */
export async function publicAddressesOf(host: string, options: { allowPrivate: boolean; resolve?: ResolveHost }): Promise<{ address: string; family: number }[]> {
  const literal = isIP(host);
  const addresses = literal !== 0 ? [{ address: host, family: literal }] : await (options.resolve ?? resolveHost)(host);
  if (addresses.length === 0) throw new Error(`${host} has no address`);
  if (!options.allowPrivate) {
    const refused = addresses.find((a) => !isPublicAddress(a.address));
    if (refused) throw new PrivateAddressError(host, refused.address);
  }
  return addresses;
}

export class PrivateAddressError extends Error {
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback, private, link-local or metadata address: webhooks go to public addresses only (ACCRUE_WEBHOOK_ALLOW_PRIVATE=true allows it for local use)`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * Registration's check of a webhook URL: http(s), and a host that resolves, to
 * public addresses only (delivery checks again: DNS may change). 400 for a malformed
 * URL, 422 for one whose host is private or does not resolve; both name `url`.
 */
export async function checkWebhookUrl(text: string, options: { allowPrivate: boolean; resolve?: ResolveHost }): Promise<URL> {
  const url = parseWebhookUrl(text);
  try {
    await publicAddressesOf(hostOf(url), options);
  } catch (err) {
    const message = err instanceof PrivateAddressError ? err.message : `${url.hostname} does not resolve: ${(err as Error).message}`;
    throw new UnprocessableError(`url refused: ${message}`, [{ field: 'url', message }]);
  }
  return url;
}
