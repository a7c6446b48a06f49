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
