import { t } from '@/i18n';
import { cn } from '@/lib/cn';

export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={cn('size-8', className)} aria-hidden="true">
      <rect width="32" height="32" rx="8" className="fill-brand-600" />
      <path
        d="M9 23V9h7.2c3.3 0 5.3 1.9 5.3 4.7s-2 4.8-5.3 4.8H13V23H9Zm4-7.9h2.9c1.2 0 1.9-.6 1.9-1.5s-.7-1.5-1.9-1.5H13v3Z"
        className="fill-white"
      />
    </svg>
  );
}

export function Logo({ className, inverted }: { className?: string; inverted?: boolean }) {
  return (
    <span className={cn('inline-flex items-center gap-2.5', className)}>
      <LogoMark className={inverted ? 'rounded-lg ring-1 ring-white/30' : undefined} />
      <span
        className={cn(
          'text-base font-semibold tracking-tight',
          inverted ? 'text-white' : 'text-slate-900',
        )}
      >
        {t.app.name}
      </span>
    </span>
  );
}
