import { locale, t } from '@/i18n';

const dateFmt = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric' });
const dateTimeFmt = new Intl.DateTimeFormat(locale, {
  day: '2-digit',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const relFmt = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "12 de março de 2025" */
export function formatDate(iso: string): string {
  const d = parse(iso);
  return d ? dateFmt.format(d) : iso;
}

/** "12 de mar. de 2025, 14:30" */
export function formatDateTime(iso: string): string {
  const d = parse(iso);
  return d ? dateTimeFmt.format(d) : iso;
}

/** "agora mesmo", "há 5 minutos", "ontem", "em 3 dias" */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const d = parse(iso);
  if (!d) return iso;
  const diff = (d.getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 60) return t.account.sessions.justNow;
  if (abs < 3600) return relFmt.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return relFmt.format(Math.round(diff / 3600), 'hour');
  if (abs < 30 * 86400) return relFmt.format(Math.round(diff / 86400), 'day');
  return formatDate(iso);
}

/** Up to two initials for an avatar. */
export function initials(name: string, email: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters =
    words.length >= 2
      ? (words[0]![0] ?? '') + (words[words.length - 1]![0] ?? '')
      : (words[0]?.slice(0, 2) ?? email.slice(0, 2));
  return letters.toUpperCase();
}
