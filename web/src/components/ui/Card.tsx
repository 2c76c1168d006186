import type { HTMLAttributes, ReactNode } from 'react';
import { cn } from '@/lib/cn';

export function Card({ className, ...rest }: HTMLAttributes<HTMLDivElement>) {
  return (
    <div
      className={cn('rounded-xl border border-slate-200 bg-white shadow-xs', className)}
      {...rest}
    />
  );
}

/** A titled settings section: heading + description on top, content, optional footer. */
export function SectionCard({
  title,
  description,
  children,
  footer,
  headingId,
  action,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
  headingId?: string;
  action?: ReactNode;
}) {
  return (
    <Card>
      <section aria-labelledby={headingId}>
        <CardHeader headingId={headingId} title={title} description={description} action={action} />
        <div className="px-5 py-5 sm:px-6">{children}</div>
        {footer ? (
          <div className="flex flex-wrap items-center justify-end gap-3 rounded-b-xl border-t border-slate-100 bg-slate-50/70 px-5 py-3 sm:px-6">
            {footer}
          </div>
        ) : null}
      </section>
    </Card>
  );
}

/** The top of a card: its heading, a description, an action on the right. */
export function CardHeader({
  headingId,
  title,
  description,
  action,
}: {
  headingId?: string;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
}) {
  return (
    <div className="flex flex-col gap-3 border-b border-slate-100 px-5 py-4 sm:flex-row sm:items-start sm:justify-between sm:px-6">
      <div>
        <h2 id={headingId} className="text-base font-semibold text-slate-900">
          {title}
        </h2>
        {description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
      </div>
      {action ? <div className="shrink-0">{action}</div> : null}
    </div>
  );
}
