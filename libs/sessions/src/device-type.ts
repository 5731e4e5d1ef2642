import { UAParser } from 'ua-parser-js';

export const DEVICE_TYPES = [
  'desktop',
  'mobile',
  'tablet',
  'tv',
  'console',
  'wearable',
  'embedded',
  'xr',
  'bot',
  'unknown',
] as const;

export type DeviceType = (typeof DEVICE_TYPES)[number];

const FROM_PARSER: Record<string, DeviceType> = {
  mobile: 'mobile',
  tablet: 'tablet',
  smarttv: 'tv',
  console: 'console',
  wearable: 'wearable',
  embedded: 'embedded',
  xr: 'xr',
};

const BOT = /bot|crawler|spider|slurp|curl\/|wget\/|python-requests|httpclient/i;

/**
 * The device class of a user agent. The parser names only non-desktop classes,
 * so a recognised browser or OS with no device class is a desktop.
 */
export function deriveDeviceType(userAgent: string): DeviceType {
  let type = recentlyDerived.get(userAgent);
  if (type === undefined) {
    type = deviceTypeOf(userAgent);
    if (recentlyDerived.size >= MAX_REMEMBERED_AGENTS) recentlyDerived.clear();
    recentlyDerived.set(userAgent, type);
  }
  return type;
}

/**
 * The device types of recently seen user agents. Most sign-ins come from a
 * few hundred browser builds, and parsing one costs more than the rest of
 * the sign-in's own work; past the bound the map starts afresh.
 */
const recentlyDerived = new Map<string, DeviceType>();
const MAX_REMEMBERED_AGENTS = 1024;

function deviceTypeOf(userAgent: string): DeviceType {
  if (!userAgent.trim()) return 'unknown';
  // Crawlers often pose as phones (Googlebot-Smartphone): check for them first.
  if (BOT.test(userAgent)) return 'bot';
  const result = new UAParser(userAgent).getResult();
  const fromParser = result.device.type ? FROM_PARSER[result.device.type] : undefined;
  if (fromParser) return fromParser;
  if (result.os.name || result.browser.name) return 'desktop';
  return 'unknown';
}
