import { History } from 'lucide-react';
import { errorMessage } from '@/api/errors';
import { useAudit, useCurrentWorkspace } from '@/api/workspaceQueries';
import type { AuditEvent } from '@/api/types';
import { ListCard } from '@/components/ListCard';
import { LoadError } from '@/components/LoadError';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { EmptyState } from '@/components/ui/EmptyState';
import { t } from '@/i18n';
import { formatDateTime, formatRelative } from '@/lib/format';
import { usePageTitle } from '@/lib/usePage';
import { describeDevice } from '@/lib/userAgent';
import { roleLabel } from './roles';

/** "member.role_changed" -> "Papel alterado"; an unknown type reads as words. */
export function auditEventName(type: string): string {
  if (Object.hasOwn(t.audit.events, type)) return t.audit.events[type]!;
  const words = type.replace(/[._]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : type;
}

function person(p: AuditEvent['actor']): string | null {
  if (!p) return null;
  return p.name || p.email || null;
}

function str(d: AuditEvent['detail'], key: string): string | null {
  const v = d && typeof d === 'object' ? d[key] : undefined;
  return typeof v === 'string' && v ? v : null;
}

/** The role an event is about ("Membro → Administrador", "Administrador"). */
function roleText(e: AuditEvent): string | null {
  const from = str(e.detail, 'from');
  const to = str(e.detail, 'to') ?? str(e.detail, 'role');
  if (from && to) return `${roleLabel(from)} → ${roleLabel(to)}`;
  return to ? roleLabel(to) : null;
}

function EventRow({ event }: { event: AuditEvent }) {
  const actor = person(event.actor);
  // Who or what it is about: an address (members, invitations) or a name (the workspace).
  const target = str(event.detail, 'email') ?? str(event.detail, 'name');
  const detail = roleText(event);
  const failed = !!event.outcome && event.outcome !== 'success';
  const reason = str(event.detail, 'reason');
  const device = event.userAgent ? describeDevice(event.userAgent).label : null;
  return (
    <li className="grid gap-1 px-4 py-3.5 sm:grid-cols-[11rem_1fr] sm:gap-4 sm:px-5">
      <p className="text-xs text-slate-500 sm:pt-0.5">
        <time dateTime={event.at} title={formatDateTime(event.at)}>
          {formatRelative(event.at)}
        </time>
      </p>
      <div className="min-w-0">
        <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
          <span>{auditEventName(event.event)}</span>
          {target ? <span className="font-normal text-slate-600">{t.audit.about(target)}</span> : null}
          {detail ? <Badge>{detail}</Badge> : null}
          {failed ? (
            <Badge tone="danger">
              {t.audit.failed}
              {reason && Object.hasOwn(t.audit.reasons, reason) ? `: ${t.audit.reasons[reason]}` : ''}
            </Badge>
          ) : null}
        </p>
        <p className="mt-0.5 truncate text-xs text-slate-500">
          {t.audit.by(actor ?? t.audit.system)}
          {event.ip ? (
            <>
              <span aria-hidden="true"> · </span>
              {t.account.sessions.ip(event.ip)}
            </>
          ) : null}
          {device ? (
            <>
              <span aria-hidden="true"> · </span>
              {device}
            </>
          ) : null}
        </p>
      </div>
    </li>
  );
}

export function AuditPage() {
  usePageTitle(t.audit.title);
  const ws = useCurrentWorkspace();
  const audit = useAudit(ws.id);
  const events = audit.data?.pages.flatMap((p) => p.events) ?? [];

  let content;
  if (audit.isPending) {
    content = (
      <p className="px-5 py-4 text-sm text-slate-500" role="status">
        {t.app.loading}
      </p>
    );
  } else if (audit.isError && events.length === 0) {
    content = (
      <LoadError
        className="p-5"
        title={t.audit.loadError}
        error={audit.error}
        onRetry={() => void audit.refetch()}
        retrying={audit.isFetching}
      />
    );
  } else if (events.length === 0) {
    content = (
      <EmptyState icon={History} title={t.audit.empty} className="m-5 border-0 py-8" />
    );
  } else {
    content = (
      <>
        <ol aria-labelledby="audit-heading" className="divide-y divide-slate-100">
          {events.map((e) => (
            <EventRow key={e.id} event={e} />
          ))}
        </ol>
        <div className="border-t border-slate-100 px-5 py-4 text-center">
          {audit.isFetchNextPageError ? (
            <Alert tone="error" className="mb-3 text-left">
              {errorMessage(audit.error)}
            </Alert>
          ) : null}
          {audit.hasNextPage ? (
            <Button
              variant="outline"
              loading={audit.isFetchingNextPage}
              onClick={() => void audit.fetchNextPage()}
            >
              {audit.isFetchingNextPage ? t.audit.loadingMore : t.audit.loadMore}
            </Button>
          ) : (
            <p className="text-sm text-slate-500">{t.audit.end}</p>
          )}
        </div>
      </>
    );
  }

  return (
    <ListCard headingId="audit-heading" title={t.audit.title} description={t.audit.description}>
      {content}
    </ListCard>
  );
}
