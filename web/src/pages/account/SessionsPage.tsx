import { useState } from 'react';
import { Monitor, Smartphone } from 'lucide-react';
import { errorMessage } from '@/api/errors';
import { useRevokeOtherSessions, useRevokeSession, useSessions } from '@/api/queries';
import type { Session } from '@/api/types';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { ListCard } from '@/components/ListCard';
import { LoadError } from '@/components/LoadError';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { formatDateTime, formatRelative } from '@/lib/format';
import { usePageTitle } from '@/lib/usePage';
import { describeDevice } from '@/lib/userAgent';

function sortSessions(list: Session[]): Session[] {
  return [...list].sort((a, b) => {
    if (a.current !== b.current) return a.current ? -1 : 1;
    return b.lastSeenAt.localeCompare(a.lastSeenAt);
  });
}

function SessionRow({ session }: { session: Session }) {
  const device = describeDevice(session.userAgent);
  const revoke = useRevokeSession();
  const toast = useToast();
  const Icon = device.mobile ? Smartphone : Monitor;

  return (
    <li className="flex flex-col gap-3 px-4 py-4 sm:flex-row sm:items-center sm:px-5">
      <div className="flex min-w-0 flex-1 items-start gap-3">
        <span
          className={
            session.current
              ? 'flex size-10 shrink-0 items-center justify-center rounded-lg bg-brand-50 text-brand-600'
              : 'flex size-10 shrink-0 items-center justify-center rounded-lg bg-slate-100 text-slate-500'
          }
        >
          <Icon className="size-5" aria-hidden="true" />
        </span>
        <div className="min-w-0">
          <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
            <span>{device.label}</span>
            {session.current ? <Badge tone="brand">{t.account.sessions.thisDevice}</Badge> : null}
            {session.remember ? <Badge>{t.account.sessions.remembered}</Badge> : null}
          </p>
          <p className="mt-1 text-xs text-slate-500">
            {session.ip ? t.account.sessions.ip(session.ip) : t.account.sessions.unknownIp}
            <span aria-hidden="true"> · </span>
            <time dateTime={session.lastSeenAt} title={formatDateTime(session.lastSeenAt)}>
              {t.account.sessions.lastSeen(formatRelative(session.lastSeenAt))}
            </time>
          </p>
          <p className="mt-0.5 text-xs text-slate-500">
            <time dateTime={session.createdAt}>
              {t.account.sessions.started(formatDateTime(session.createdAt))}
            </time>
            <span aria-hidden="true"> · </span>
            <time dateTime={session.expiresAt}>
              {t.account.sessions.expires(formatDateTime(session.expiresAt))}
            </time>
          </p>
        </div>
      </div>
      {!session.current ? (
        <Button
          variant="danger-outline"
          size="sm"
          className="self-start sm:self-center"
          loading={revoke.isPending}
          aria-label={t.account.sessions.revokeLabel(device.label)}
          onClick={() =>
            revoke.mutate(session.id, {
              onSuccess: () => toast.success(t.account.sessions.revokedOne),
              onError: (err) => toast.error(errorMessage(err)),
            })
          }
        >
          {revoke.isPending ? t.account.sessions.revoking : t.account.sessions.revoke}
        </Button>
      ) : null}
    </li>
  );
}

export function SessionsPage() {
  usePageTitle(t.account.sessions.title);
  const sessions = useSessions();
  const revokeOthers = useRevokeOtherSessions();
  const toast = useToast();
  const [confirmOpen, setConfirmOpen] = useState(false);

  const list = sessions.data ? sortSessions(sessions.data) : [];
  const others = list.filter((s) => !s.current).length;

  let content;
  if (sessions.isPending) {
    content = (
      <>
        <span className="sr-only" role="status">
          {t.app.loading}
        </span>
        <SkeletonRows />
      </>
    );
  } else if (sessions.isError) {
    content = (
      <LoadError
        className="p-5"
        title={t.account.sessions.loadError}
        error={sessions.error}
        onRetry={() => void sessions.refetch()}
        retrying={sessions.isFetching}
      />
    );
  } else if (list.length === 0) {
    content = <p className="p-5 text-sm text-slate-600">{t.account.sessions.empty}</p>;
  } else {
    content = (
      <>
        <ul className="divide-y divide-slate-100" aria-labelledby="sessions-heading">
          {list.map((s) => (
            <SessionRow key={s.id} session={s} />
          ))}
        </ul>
        {others === 0 ? (
          <p className="border-t border-slate-100 px-5 py-4 text-sm text-slate-500">
            {t.account.sessions.onlyThis}
          </p>
        ) : null}
      </>
    );
  }

  return (
    <>
      <ListCard
        headingId="sessions-heading"
        title={t.account.sessions.title}
        description={t.account.sessions.description}
        action={
          <Button
            variant="outline"
            size="sm"
            className="self-start"
            disabled={others === 0}
            onClick={() => setConfirmOpen(true)}
          >
            {t.account.sessions.revokeOthers}
          </Button>
        }
      >
        {content}
      </ListCard>

      <ConfirmDialog
        open={confirmOpen}
        onClose={() => setConfirmOpen(false)}
        title={t.account.sessions.revokeOthersTitle}
        text={t.account.sessions.revokeOthersText}
        confirm={t.account.sessions.revokeOthersConfirm}
        busy={revokeOthers.isPending}
        busyLabel={t.account.sessions.revoking}
        onConfirm={() =>
          revokeOthers.mutate(undefined, {
            onSuccess: (res) => {
              setConfirmOpen(false);
              toast.success(t.account.sessions.revokedMany(res.revoked));
            },
            onError: (err) => {
              setConfirmOpen(false);
              toast.error(errorMessage(err));
            },
          })
        }
      />
    </>
  );
}
