/** A human name for a session's device from its User-Agent ("Chrome em Windows"). */
import { t } from '@/i18n';

export interface Device {
  label: string;
  mobile: boolean;
}

function browserOf(ua: string): string | null {
  if (/Edg(e|A|iOS)?\//.test(ua)) return 'Edge';
  if (/OPR\/|Opera/.test(ua)) return 'Opera';
  if (/SamsungBrowser\//.test(ua)) return 'Samsung Internet';
  if (/Firefox\/|FxiOS\//.test(ua)) return 'Firefox';
  if (/Chrome\/|CriOS\/|Chromium\//.test(ua)) return 'Chrome';
  if (/Safari\//.test(ua) && /Version\//.test(ua)) return 'Safari';
  if (/^curl\//i.test(ua)) return 'curl';
  return null;
}

function osOf(ua: string): string | null {
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua)) return 'iPad';
  if (/Android/.test(ua)) return 'Android';
  if (/Windows/.test(ua)) return 'Windows';
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if (/Mac OS X|Macintosh/.test(ua)) return 'macOS';
  if (/Linux/.test(ua)) return 'Linux';
  return null;
}

export function describeDevice(ua: string): Device {
  const mobile = /Mobile|iPhone|Android|iPad/.test(ua);
  const browser = browserOf(ua);
  const os = osOf(ua);
  let label: string;
  if (browser && os) label = t.account.sessions.deviceOn(browser, os);
  else label = browser ?? os ?? t.account.sessions.unknownDevice;
  return { label, mobile };
}
