import { cn } from '@/lib/cn';

/** Grey placeholder rows of a list while it loads (hidden from screen readers). */
export function SkeletonRows({ rows = 3, round = false }: { rows?: number; round?: boolean }) {
  return (
    <ul aria-hidden="true" className="divide-y divide-slate-100">
      {Array.from({ length: rows }, (_, i) => (
        <li key={i} className="flex items-center gap-3 px-5 py-4">
          <span className={cn('size-10 animate-pulse bg-slate-100', round ? 'rounded-full' : 'rounded-lg')} />
          <span className="flex-1 space-y-2">
            <span className="block h-3.5 w-48 animate-pulse rounded bg-slate-100" />
            <span className="block h-3 w-72 max-w-full animate-pulse rounded bg-slate-100" />
          </span>
        </li>
      ))}
    </ul>
  );
}
