/**
 * Conversas: the team's inbox, in two panes — the conversation list
 * (filters, search, unread counts, last message) and the open conversation
 * (pages/inbox/Conversation.tsx). On a phone's screen the panes become one:
 * the list, or the conversation with a way back. The open conversation is
 * in the URL (/w/:wid/conversas/:leadId), so the browser's back works too.
 * Everything stays current through the event stream (useLiveInbox).
 */
import { useEffect, useId, useState } from 'react';
import { MessagesSquare, Search, Wifi, WifiOff } from 'lucide-react';
import { Link, useParams } from 'react-router';
import {
  STAGES,
  emptyFilter,
  useAgentsForFilter,
  useInboxLeads,
  type InboxFilter,
  type InboxLead,
} from '@/api/inbox';
import { useCurrentWorkspace } from '@/api/workspaceQueries';
import { LoadError } from '@/components/LoadError';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { inputClasses } from '@/components/ui/Field';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { formatRelative } from '@/lib/format';
import { wsPath } from '@/lib/paths';
import { useFocusOnMount, usePageTitle } from '@/lib/usePage';
import { Conversation } from './Conversation';
import { useLiveInbox } from './useLiveInbox';

/** The path of a conversation. */
export function conversationPath(wid: string, leadId: string): string {
  return `${wsPath(wid, 'conversations')}/${encodeURIComponent(leadId)}`;
}

type Quick = 'all' | 'mine' | 'unassigned' | 'takenOver';

function quickOf(f: InboxFilter): Quick {
  if (f.takenOver) return 'takenOver';
  if (f.owner === 'me') return 'mine';
  if (f.owner === 'none') return 'unassigned';
  return 'all';
}

function withQuick(f: InboxFilter, q: Quick): InboxFilter {
  return {
    ...f,
    owner: q === 'mine' ? 'me' : q === 'unassigned' ? 'none' : '',
    takenOver: q === 'takenOver',
  };
}

function Filters({
  filter,
  onChange,
  search,
  onSearch,
}: {
  filter: InboxFilter;
  onChange: (f: InboxFilter) => void;
  search: string;
  onSearch: (q: string) => void;
}) {
  const ws = useCurrentWorkspace();
  const agents = useAgentsForFilter(ws.id);
  const id = useId();
  const quick = quickOf(filter);
  const quicks: [Quick, string][] = [
    ['all', t.inbox.filterAll],
    ['mine', t.inbox.filterMine],
    ['unassigned', t.inbox.filterUnassigned],
    ['takenOver', t.inbox.filterTakenOver],
  ];
  const selectClass = inputClasses(false, 'h-9 text-xs');
  return (
    <div className="space-y-2 border-b border-slate-200 p-3">
      <div className="relative">
        <label htmlFor={`${id}-q`} className="sr-only">
          {t.inbox.searchLabel}
        </label>
        <Search
          className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-slate-500"
          aria-hidden="true"
        />
        <input
          id={`${id}-q`}
          type="search"
          value={search}
          maxLength={100}
          onChange={(e) => onSearch(e.target.value)}
          placeholder={t.inbox.searchPlaceholder}
          className={inputClasses(false, 'h-9 pl-9')}
        />
      </div>
      <div role="group" aria-label={t.inbox.filtersLabel} className="flex flex-wrap gap-1.5">
        {quicks.map(([q, label]) => (
          <button
            key={q}
            type="button"
            aria-pressed={quick === q}
            onClick={() => onChange(withQuick(filter, q))}
            className={cn(
              'rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset',
              'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600',
              quick === q
                ? 'bg-brand-700 text-white ring-brand-700'
                : 'bg-white text-slate-700 ring-slate-300 hover:bg-slate-50',
            )}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="grid grid-cols-2 gap-2">
        <div>
          <label htmlFor={`${id}-agent`} className="sr-only">
            {t.inbox.agentFilter}
          </label>
          <select
            id={`${id}-agent`}
            className={selectClass}
            value={filter.agentId}
            onChange={(e) => onChange({ ...filter, agentId: e.target.value })}
          >
            <option value="">{t.inbox.anyAgent}</option>
            {(agents.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-stage`} className="sr-only">
            {t.inbox.stageFilter}
          </label>
          <select
            id={`${id}-stage`}
            className={selectClass}
            value={filter.stage}
            onChange={(e) => onChange({ ...filter, stage: e.target.value as InboxFilter['stage'] })}
          >
            <option value="">{t.inbox.anyStage}</option>
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {t.inbox.stages[s]}
              </option>
            ))}
          </select>
        </div>
      </div>
    </div>
  );
}

/** "Agente: …", "Equipe: …" or the lead's own words. */
function preview(l: InboxLead): string {
  const m = l.lastMessage;
  if (!m) return t.inbox.noMessages;
  const body = m.text || t.inbox.media[m.type] || t.inbox.media.unsupported!;
  if (m.author === 'agent') return t.inbox.agentPrefix + body;
  if (m.author === 'person') return t.inbox.youPrefix + body;
  return body;
}

function LeadRow({ lead, selected }: { lead: InboxLead; selected: boolean }) {
  const ws = useCurrentWorkspace();
  return (
    <li>
      <Link
        to={conversationPath(ws.id, lead.id)}
        aria-current={selected ? 'page' : undefined}
        data-testid="inbox-lead"
        className={cn(
          'flex gap-3 border-b border-slate-100 px-3 py-3 text-left',
          'focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600',
          selected ? 'bg-brand-50' : 'hover:bg-slate-50',
        )}
      >
        <div className="min-w-0 flex-1">
          <div className="flex items-baseline justify-between gap-2">
            <span className={cn('truncate text-sm text-slate-900', lead.unread && 'font-semibold')}>
              {lead.name || lead.phone}
            </span>
            <span className="shrink-0 text-xs text-slate-600">
              {formatRelative(lead.lastMessageAt)}
            </span>
          </div>
          <p className={cn('truncate text-sm', lead.unread ? 'text-slate-900' : 'text-slate-600')}>
            {preview(lead)}
          </p>
          <div className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
            {lead.takenOver ? (
              <>
                <Badge tone="warning">{t.inbox.takenOverBadge}</Badge>
                {lead.ownerName ? <span>{lead.ownerName}</span> : null}
              </>
            ) : lead.agentName ? (
              <span>{lead.agentName}</span>
            ) : null}
            <span>· {t.inbox.stages[lead.stage]}</span>
          </div>
        </div>
        {lead.unread > 0 ? (
          <span
            className="mt-0.5 inline-flex h-5 min-w-5 items-center justify-center self-start rounded-full bg-brand-700 px-1.5 text-xs font-semibold text-white"
            data-testid="inbox-unread"
          >
            <span aria-hidden="true">{lead.unread > 99 ? '99+' : lead.unread}</span>
            <span className="sr-only">{t.inbox.unread(lead.unread)}</span>
          </span>
        ) : null}
      </Link>
    </li>
  );
}

function LeadList({ filter, filtered }: { filter: InboxFilter; filtered: boolean }) {
  const ws = useCurrentWorkspace();
  const { leadId } = useParams();
  const q = useInboxLeads(ws.id, filter);
  if (q.isPending) {
    return (
      <div className="p-3" aria-busy="true">
        <span className="sr-only">{t.app.loading}</span>
        <SkeletonRows rows={5} round />
      </div>
    );
  }
  if (q.isError) {
    return (
      <LoadError
        className="p-3"
        title={t.inbox.loadError}
        error={q.error}
        onRetry={() => void q.refetch()}
        retrying={q.isFetching}
      />
    );
  }
  const leads = q.data.pages.flatMap((p) => p.leads);
  if (leads.length === 0) {
    return (
      <div className="flex flex-col items-center px-6 py-12 text-center">
        <MessagesSquare className="mb-3 size-8 text-brand-600" aria-hidden="true" />
        <p className="text-sm font-semibold text-slate-900">
          {filtered ? t.inbox.emptyFiltered : t.inbox.emptyTitle}
        </p>
        {filtered ? null : <p className="mt-1 text-sm text-slate-600">{t.inbox.emptyText}</p>}
      </div>
    );
  }
  return (
    <>
      <ul aria-label={t.inbox.listLabel}>
        {leads.map((l) => (
          <LeadRow key={l.id} lead={l} selected={l.id === leadId} />
        ))}
      </ul>
      {q.hasNextPage ? (
        <div className="p-3">
          <Button
            variant="outline"
            size="sm"
            className="w-full"
            loading={q.isFetchingNextPage}
            onClick={() => void q.fetchNextPage()}
          >
            {t.inbox.loadMore}
          </Button>
        </div>
      ) : null}
    </>
  );
}

function LiveStatus({ connected }: { connected: boolean | null }) {
  if (connected === null) return null;
  return (
    <span
      role="status"
      className={cn(
        'inline-flex items-center gap-1.5 text-xs font-medium',
        connected ? 'text-emerald-800' : 'text-amber-800',
      )}
    >
      {connected ? (
        <Wifi className="size-3.5" aria-hidden="true" />
      ) : (
        <WifiOff className="size-3.5" aria-hidden="true" />
      )}
      {connected ? t.inbox.live : t.inbox.reconnecting}
    </span>
  );
}

export function InboxPage() {
  const ws = useCurrentWorkspace();
  const { leadId } = useParams();
  const [filter, setFilter] = useState<InboxFilter>(emptyFilter);
  const [search, setSearch] = useState('');
  const connected = useLiveInbox(ws.id);
  const heading = useFocusOnMount<HTMLHeadingElement>(!leadId);
  usePageTitle(t.inbox.title);

  // The search waits for a pause in typing.
  useEffect(() => {
    const timer = setTimeout(() => setFilter((f) => (f.q === search ? f : { ...f, q: search })), 300);
    return () => clearTimeout(timer);
  }, [search]);

  const filtered =
    filter.owner !== '' || filter.takenOver || !!filter.agentId || !!filter.stage || !!filter.q.trim();

  return (
    <div className="space-y-4">
      <div className={cn('flex items-end justify-between gap-3', leadId && 'max-md:sr-only')}>
        <h1
          ref={heading}
          tabIndex={-1}
          className="text-2xl font-semibold tracking-tight text-slate-900 sm:text-3xl"
        >
          {t.inbox.title}
        </h1>
        <LiveStatus connected={connected} />
      </div>
      <div className="flex h-[calc(100dvh-11rem)] min-h-[32rem] overflow-hidden rounded-xl border border-slate-200 bg-white shadow-xs">
        <section
          aria-label={t.inbox.listLabel}
          className={cn(
            'flex w-full min-w-0 flex-col md:w-[22rem] md:shrink-0 md:border-r md:border-slate-200',
            leadId && 'max-md:hidden',
          )}
        >
          <Filters filter={filter} onChange={setFilter} search={search} onSearch={setSearch} />
          <div className="min-h-0 flex-1 overflow-y-auto">
            <LeadList filter={filter} filtered={filtered} />
          </div>
        </section>
        <div className={cn('flex min-w-0 flex-1 flex-col', !leadId && 'max-md:hidden')}>
          {leadId ? (
            <Conversation key={leadId} leadId={leadId} />
          ) : (
            <div className="flex flex-1 flex-col items-center justify-center px-6 text-center">
              <MessagesSquare className="mb-3 size-10 text-brand-600" aria-hidden="true" />
              <h2 className="text-base font-semibold text-slate-900">{t.inbox.pickTitle}</h2>
              <p className="mt-1 max-w-sm text-sm text-slate-600">{t.inbox.pickText}</p>
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
