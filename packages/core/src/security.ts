/**
 * True for loopback client addresses: 127.0.0.0/8, ::1, and their IPv4-mapped IPv6 forms. Anything else,
 * including a missing address, is not loopback.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1') return true;
  let value = address.toLowerCase();
  if (value.startsWith('::ffff:')) value = value.slice(7);
  if (value === '::1' || value === '0:0:0:0:0:0:0:1') return true;
  const parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== '127') return false;
  return parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}

/** The hostname of a `Host` (or `:authority`) header: lower case, without port, brackets kept for IPv6. */
export function hostnameOf(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    return end < 0 ? value : value.slice(0, end + 1);
  }
  const colon = value.lastIndexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  // "localhost." names the same host as "localhost".
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

const IPV4 = /^(?:\d{1,3}\.){3}\d{1,3}$/;

/**
 * True for Host names a DNS rebinding attack cannot produce or that name this machine: `localhost` and its
 * subdomains, and IP address literals (an attacker's page served from an IP address is not rebound; it is the
 * attacker's own server). Anything else must be listed in `allowedHosts`, as in Vite and webpack-dev-server.
 */
export function isSafeHostname(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  if (IPV4.test(hostname)) return hostname.split('.').every((part) => Number(part) <= 255);
  return hostname.startsWith('[') && hostname.endsWith(']') && /^\[[0-9a-f:.]+\]$/.test(hostname);
}

/**
 * Whether a request's Host may see ramflow: no Host at all (HTTP/1.0 clients; browsers always send one), a safe
 * hostname, or one `allowedHosts` lists (`"example.test"` exactly, `".example.test"` that domain and its
 * subdomains), or any with `allowedHosts: true`.
 */
export function isAllowedHost(host: string | undefined, allowedHosts: readonly string[] | true): boolean {
  if (allowedHosts === true || host === undefined || host === '') return true;
  const hostname = hostnameOf(host);
  if (isSafeHostname(hostname)) return true;
  for (const allowed of allowedHosts) {
    if (allowed.startsWith('.')) {
      if (hostname === allowed.slice(1) || hostname.endsWith(allowed)) return true;
    } else if (hostname === allowed) return true;
  }
  return false;
}

/**
 * Why a request must not trigger something expensive or state-changing on behalf of another site, or undefined
 * when it may: browsers say where a request comes from in `Sec-Fetch-Site` (Chrome 76+, Firefox 90+, Safari 16.4+)
 * and, for most requests that are not simple navigations, in `Origin`. Clients that send neither (curl, scripts)
 * cannot be driven by a web page and are let through.
 *
 * `sameSite` also admits requests from the same site on another port (a dev server on localhost:5173 calling the
 * API on localhost:3000), for actions a page can only ask for with a custom header (which needs CORS).
 */
export function crossSiteRefusal(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  options: { sameSite: boolean },
): string | undefined {
  const site = first(headers['sec-fetch-site'])?.toLowerCase();
  if (site !== undefined) {
    const admitted = site === 'same-origin' || site === 'none' || (options.sameSite && site === 'same-site');
    if (!admitted) return `the browser says it came from another site (Sec-Fetch-Site: ${site.slice(0, 20)})`;
  }
  const origin = first(headers.origin);
  if (origin === undefined) return undefined;
  const host = requestHost(headers);
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return `its Origin (${origin.slice(0, 60)}) is not a page of this server`;
  }
  if (host !== undefined && originHost === host.toLowerCase()) return undefined;
  if (options.sameSite && host !== undefined && hostnameOf(originHost) === hostnameOf(host)) return undefined;
  return `its Origin (${origin.slice(0, 60)}) is not a page of this server`;
}

/** The request's `Host`, or its HTTP/2 `:authority` (an HTTP/2 request has no Host header). */
export function requestHost(headers: Record<string, string | string[] | undefined>): string | undefined {
  return first(headers.host) ?? first(headers[':authority']);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
