import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import { ArrowRightLeft, Columns3, Search, Table2, UserRound, Users, X } from 'lucide-react';
import { Link, useSearchParams } from 'react-router';
import {
  COLUMN_PAGE,
  STAGES,
  TABLE_PAGE,
  useAgentList,
  useLeadList,
  usePatchLead,
  usePipelineLive,
  type Lead,
  type LeadFilters,
  type Stage,
} from '@/api/pipeline';
import { useCurrentWorkspace, useMembers } from '@/api/workspaceQueries';
import { FormAlert } from '@/components/form/fields';
import { LoadError } from '@/components/LoadError';
import { PageHeader } from '@/components/PageHeader';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { EmptyState } from '@/components/ui/EmptyState';
import { inputClasses, SelectField } from '@/components/ui/Field';
import { Menu } from '@/components/ui/Menu';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { formatRelative } from '@/lib/format';
import { wsPath } from '@/lib/paths';
import { useForm } from '@/lib/useForm';
import { usePageTitle } from '@/lib/usePage';
import { isFiltered, neighbourStage, readState, writeState, type PageState } from './filters';

const tp = t.pipeline;

export function leadPath(wid: string, id: string): string {
  return `${wsPath(wid, 'leads')}/${encodeURIComponent(id)}`;
}

export function stageLabel(s: string): string {
  return tp.stages[s] ?? s;
}

/** Announcements for screen readers (moves), in one polite live region. */
function useAnnouncer() {
  const [message, setMessage] = useState('');
  const announce = useCallback((m: string) => {
    // Cleared first so the same sentence twice is announced twice.
    setMessage('');
    window.setTimeout(() => setMessage(m), 50);
  }, []);
  const region = (
    <p role="status" aria-live="polite" className="sr-only" data-testid="pipeline-announcer">
      {message}
    </p>
  );
  return { announce, region };
}

interface MoveApi {
  move: (lead: Lead, to: Stage, opts?: { focus?: boolean }) => void;
  /** The card to focus once it is drawn in its new column (a keyboard move). */
  focusTo: { id: string; stage: Stage } | null;
  focused: () => void;
  ownerName: (id: string | null) => string;
}

export function LeadsPage() {
  usePageTitle(tp.title);
  const ws = useCurrentWorkspace();
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readState(params), [params]);
  const connected = usePipelineLive(ws.id);
  const members = useMembers(ws.id);
  const patch = usePatchLead(ws.id);
  const { announce, region } = useAnnouncer();
  const [focusTo, setFocusTo] = useState<{ id: string; stage: Stage } | null>(null);

  const update = (next: Partial<PageState> & { filters?: Partial<LeadFilters> }) =>
    setParams(writeState({ view: next.view ?? state.view, filters: { ...state.filters, ...next.filters } }), {
      replace: true,
    });

  const ownerName = useCallback(
    (id: string | null) => {
      if (!id) return tp.noOwner;
      return members.data?.find((m) => m.userId === id)?.name ?? '—';
    },
    [members.data],
  );

  const moves: MoveApi = {
    move: (lead, to, opts) => {
      if (lead.stage === to) return;
      const name = lead.name || lead.phone;
      if (opts?.focus) setFocusTo({ id: lead.id, stage: to });
      patch.mutate(
        { id: lead.id, lead, patch: { stage: to } },
        {
          onSuccess: () => announce(tp.moved(name, stageLabel(to))),
          onError: () => announce(tp.moveFailed(name)),
        },
      );
    },
    focusTo,
    focused: () => setFocusTo(null),
    ownerName,
  };

  return (
    <div className="-mx-4 sm:mx-0">
      <div className="px-4 sm:px-0">
        <PageHeader
          title={tp.title}
          description={tp.description}
          actions={
            <div role="group" aria-label={tp.views} className="flex rounded-lg border border-slate-300 bg-white p-0.5">
              {(
                [
                  ['kanban', tp.kanban, Columns3],
                  ['table', tp.table, Table2],
                ] as const
              ).map(([v, label, Icon]) => (
                <button
                  key={v}
                  type="button"
                  aria-pressed={state.view === v}
                  onClick={() => update({ view: v })}
                  className={cn(
                    'inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium',
                    state.view === v ? 'bg-brand-600 text-white' : 'text-slate-700 hover:bg-slate-100',
                  )}
                >
                  <Icon className="size-4" aria-hidden="true" />
                  {label}
                </button>
              ))}
            </div>
          }
        />
        <Filters state={state} onChange={(filters) => update({ filters })} />
        <p className="mt-3 mb-4 flex items-center gap-2 text-xs text-slate-600">
          <span
            className={cn('inline-block size-2 rounded-full', connected ? 'bg-emerald-500' : 'bg-amber-500')}
            aria-hidden="true"
          />
          {connected ? tp.live : tp.offline}
          {state.view === 'kanban' ? <span className="hidden sm:inline">· {tp.keyboardHint}</span> : null}
        </p>
        {region}
      </div>
      {state.view === 'kanban' ? (
        <Board filters={state.filters} moves={moves} filtered={isFiltered(state.filters, 'kanban')} />
      ) : (
        <div className="px-4 sm:px-0">
          <LeadTable filters={state.filters} ownerName={ownerName} filtered={isFiltered(state.filters, 'table')} />
        </div>
      )}
    </div>
  );
}

/* ---- Filters ---------------------------------------------------------------------------------- */

function Filters({ state, onChange }: { state: PageState; onChange: (f: Partial<LeadFilters>) => void }) {
  const ws = useCurrentWorkspace();
  const agents = useAgentList(ws.id);
  const f = state.filters;
  const form = useForm({ initial: { q: f.q ?? '' } });
  const { reset } = form;
  // The URL is the truth: a back/forward or "Limpar filtros" puts its text in the box.
  useEffect(() => reset({ q: f.q ?? '' }), [f.q, reset]);

  return (
    <section aria-label={tp.filters} className="rounded-xl border border-slate-200 bg-white p-4 shadow-xs">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
        <form role="search" className="sm:col-span-2 lg:col-span-1" {...form.formProps((v) => onChange({ q: v.q }))}>
          <FormAlert form={form} />
          <label htmlFor="leads-q" className="mb-1.5 block text-sm font-medium text-slate-800">
            {tp.search}
          </label>
          <div className="relative">
            <input
              id="leads-q"
              type="search"
              maxLength={100}
              placeholder={tp.searchPlaceholder}
              className={inputClasses(false, 'pr-10')}
              {...form.field('q')}
            />
            <button
              type="submit"
              className="absolute top-1/2 right-1 -translate-y-1/2 rounded-md p-2 text-slate-600 hover:bg-slate-100"
            >
              <Search className="size-4" aria-hidden="true" />
              <span className="sr-only">{tp.search}</span>
            </button>
          </div>
        </form>
        {state.view === 'table' ? (
          <SelectField
            id="leads-stage"
            label={tp.stage}
            value={f.stage ?? ''}
            onChange={(e) => onChange({ stage: e.target.value as Stage | '' })}
            options={[{ value: '', label: tp.anyStage }, ...STAGES.map((s) => ({ value: s, label: stageLabel(s) }))]}
          />
        ) : null}
        <SelectField
          id="leads-owner"
          label={tp.owner}
          value={f.owner ?? ''}
          onChange={(e) => onChange({ owner: e.target.value as LeadFilters['owner'] })}
          options={[
            { value: '', label: tp.anyOwner },
            { value: 'me', label: tp.mine },
            { value: 'none', label: tp.unassigned },
          ]}
        />
        <SelectField
          id="leads-agent"
          label={tp.agent}
          value={f.agentId ?? ''}
          onChange={(e) => onChange({ agentId: e.target.value })}
          options={[
            { value: '', label: tp.anyAgent },
            ...(agents.data ?? []).map((a) => ({ value: a.id, label: a.name })),
          ]}
        />
        <SelectField
          id="leads-taken"
          label={tp.takenOver}
          value={f.takenOver ?? ''}
          onChange={(e) => onChange({ takenOver: e.target.value as LeadFilters['takenOver'] })}
          options={[
            { value: '', label: tp.anyTakenOver },
            { value: 'true', label: tp.takenOverYes },
            { value: 'false', label: tp.takenOverNo },
          ]}
        />
      </div>
      {isFiltered(f, state.view) ? (
        <Button
          variant="ghost"
          size="sm"
          className="mt-3"
          onClick={() => onChange({ stage: '', owner: '', agentId: '', takenOver: '', q: '' })}
        >
          <X className="size-4" aria-hidden="true" />
          {tp.clearFilters}
        </Button>
      ) : null}
    </section>
  );
}

/* ---- Kanban ----------------------------------------------------------------------------------- */

function Board({ filters, moves, filtered }: { filters: LeadFilters; moves: MoveApi; filtered: boolean }) {
  const [dragging, setDragging] = useState<Lead | null>(null);
  return (
    <div
      role="region"
      aria-label={tp.board}
      // On a phone each column takes most of the screen and the board snaps column by column.
      className="relative flex snap-x snap-mandatory gap-4 overflow-x-auto px-4 pb-4 sm:snap-none sm:px-0"
      data-testid="kanban"
    >
      {STAGES.map((stage) => (
        <Column
          key={stage}
          stage={stage}
          filters={{ ...filters, stage }}
          moves={moves}
          dragging={dragging}
          setDragging={setDragging}
          filtered={filtered}
        />
      ))}
    </div>
  );
}

function Column({
  stage,
  filters,
  moves,
  dragging,
  setDragging,
  filtered,
}: {
  stage: Stage;
  filters: LeadFilters;
  moves: MoveApi;
  dragging: Lead | null;
  setDragging: (l: Lead | null) => void;
  filtered: boolean;
}) {
  const ws = useCurrentWorkspace();
  const list = useLeadList(ws.id, filters, COLUMN_PAGE);
  const [over, setOver] = useState(false);
  const leads = list.data?.pages.flatMap((p) => p.leads) ?? [];
  const count = list.hasNextPage ? tp.countMore(leads.length) : String(leads.length);
  const headingId = `col-${stage}`;
  const canDrop = dragging !== null && dragging.stage !== stage;

  const onDragOver = (e: DragEvent) => {
    if (!canDrop) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'move';
    setOver(true);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (dragging && dragging.stage !== stage) moves.move(dragging, stage);
    setDragging(null);
  };

  return (
    <section
      aria-labelledby={headingId}
      data-stage={stage}
      onDragOver={onDragOver}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
      className={cn(
        'relative flex w-[85%] max-w-xs shrink-0 snap-start flex-col rounded-xl border bg-slate-50 sm:w-64',
        over ? 'border-brand-500 bg-brand-50' : 'border-slate-200',
      )}
    >
      <h2 id={headingId} className="flex items-center justify-between px-3 pt-3 pb-2 text-sm font-semibold text-slate-800">
        <span>{stageLabel(stage)}</span>
        <span className="rounded-full bg-white px-2 py-0.5 text-xs font-medium text-slate-700 ring-1 ring-slate-200">
          <span className="sr-only">{`${stageLabel(stage)}: `}</span>
          {list.isPending ? '…' : count}
        </span>
      </h2>
      <div className="flex-1 px-2 pb-2">
        {list.isPending ? (
          <p className="px-1 py-3 text-sm text-slate-600" role="status">
            {tp.loading}
          </p>
        ) : list.isError ? (
          <LoadError title={tp.loadError} error={list.error} onRetry={() => void list.refetch()} retrying={list.isRefetching} />
        ) : leads.length === 0 ? (
          <p className="rounded-lg border border-dashed border-slate-300 px-3 py-6 text-center text-sm text-slate-600">
            {filtered ? tp.emptyFilteredTitle : tp.columnEmpty}
          </p>
        ) : (
          <ul className="space-y-2" aria-labelledby={headingId}>
            {leads.map((lead) => (
              <Card key={lead.id} lead={lead} moves={moves} setDragging={setDragging} />
            ))}
          </ul>
        )}
        {list.hasNextPage ? (
          <Button
            variant="ghost"
            size="sm"
            className="mt-2 w-full"
            loading={list.isFetchingNextPage}
            onClick={() => void list.fetchNextPage()}
          >
            {tp.loadMore}
          </Button>
        ) : null}
      </div>
    </section>
  );
}

function Card({ lead, moves, setDragging }: { lead: Lead; moves: MoveApi; setDragging: (l: Lead | null) => void }) {
  const ws = useCurrentWorkspace();
  const linkRef = useRef<HTMLAnchorElement>(null);
  const name = lead.name || lead.phone;
  const { focusTo, focused } = moves;

  // After a keyboard move the card is drawn in its new column: focus follows it there.
  useEffect(() => {
    if (focusTo && focusTo.id === lead.id && focusTo.stage === lead.stage && linkRef.current) {
      linkRef.current.focus();
      focused();
    }
  }, [focusTo, lead.id, lead.stage, focused]);

  const onKeyDown = (e: KeyboardEvent) => {
    if (!e.altKey || (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft')) return;
    const to = neighbourStage(STAGES, lead.stage, e.key === 'ArrowRight' ? 1 : -1);
    e.preventDefault();
    if (to) moves.move(lead, to, { focus: true });
  };

  return (
    <li
      draggable
      data-lead-id={lead.id}
      onDragStart={(e) => {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', lead.id);
        setDragging(lead);
      }}
      onDragEnd={() => setDragging(null)}
      onKeyDown={onKeyDown}
      className="cursor-grab rounded-lg border border-slate-200 bg-white p-3 shadow-xs active:cursor-grabbing"
    >
      <div className="flex items-start justify-between gap-2">
        <Link
          ref={linkRef}
          to={leadPath(ws.id, lead.id)}
          aria-keyshortcuts="Alt+ArrowRight Alt+ArrowLeft"
          className="min-w-0 rounded text-sm font-semibold break-words text-slate-900 hover:text-brand-700 hover:underline"
        >
          {name}
        </Link>
        <Menu
          label={tp.moveMenu(name)}
          align="right"
          triggerClassName="rounded-md p-1.5 text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-expanded:bg-slate-100"
          trigger={<ArrowRightLeft className="size-4" aria-hidden="true" />}
          items={STAGES.filter((s) => s !== lead.stage).map((s) => ({
            key: s,
            label: tp.moveTo(stageLabel(s)),
            onSelect: () => moves.move(lead, s, { focus: true }),
          }))}
        />
      </div>
      <p className="mt-0.5 text-xs text-slate-600">{lead.phone}</p>
      <div className="mt-2 flex flex-wrap items-center gap-1.5 text-xs text-slate-600">
        <span className="inline-flex items-center gap-1">
          <UserRound className="size-3.5" aria-hidden="true" />
          <span className="sr-only">{tp.owner}: </span>
          {moves.ownerName(lead.ownerId)}
        </span>
        {lead.takenOver ? <Badge tone="warning">{tp.takenOverBadge}</Badge> : null}
        <span className="ml-auto">
          <span className="sr-only">{tp.lastMessage}: </span>
          {formatRelative(lead.lastMessageAt)}
        </span>
      </div>
    </li>
  );
}

/* ---- Table ------------------------------------------------------------------------------------ */

function LeadTable({
  filters,
  ownerName,
  filtered,
}: {
  filters: LeadFilters;
  ownerName: (id: string | null) => string;
  filtered: boolean;
}) {
  const ws = useCurrentWorkspace();
  const list = useLeadList(ws.id, filters, TABLE_PAGE);
  const leads = list.data?.pages.flatMap((p) => p.leads) ?? [];

  if (list.isPending) {
    return (
      <div className="rounded-xl border border-slate-200 bg-white" role="status" aria-label={tp.loading}>
        <SkeletonRows rows={4} />
      </div>
    );
  }
  if (list.isError) {
    return <LoadError title={tp.loadError} error={list.error} onRetry={() => void list.refetch()} retrying={list.isRefetching} />;
  }
  if (leads.length === 0) {
    return filtered ? (
      <EmptyState icon={Search} title={tp.emptyFilteredTitle}>
        {tp.emptyFilteredText}
      </EmptyState>
    ) : (
      <EmptyState icon={Users} title={tp.emptyTitle}>
        {tp.emptyText}
      </EmptyState>
    );
  }
  return (
    <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-xs">
      <table className="min-w-full divide-y divide-slate-200 text-left text-sm">
        <caption className="sr-only">{tp.title}</caption>
        <thead className="bg-slate-50 text-xs font-semibold tracking-wide text-slate-700 uppercase">
          <tr>
            <th scope="col" className="px-4 py-3">{tp.name}</th>
            <th scope="col" className="px-4 py-3">{tp.phone}</th>
            <th scope="col" className="px-4 py-3">{tp.stage}</th>
            <th scope="col" className="px-4 py-3">{tp.owner}</th>
            <th scope="col" className="px-4 py-3">{tp.takenOver}</th>
            <th scope="col" className="px-4 py-3">{tp.lastMessage}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {leads.map((lead) => (
            <tr key={lead.id} data-lead-id={lead.id} className="hover:bg-slate-50">
              <th scope="row" className="px-4 py-3 font-medium">
                <Link to={leadPath(ws.id, lead.id)} className="text-slate-900 hover:text-brand-700 hover:underline">
                  {lead.name || tp.noName}
                </Link>
              </th>
              <td className="px-4 py-3 whitespace-nowrap text-slate-700">{lead.phone}</td>
              <td className="px-4 py-3">
                <Badge tone={lead.stage === 'won' ? 'success' : lead.stage === 'lost' ? 'danger' : 'neutral'}>
                  {stageLabel(lead.stage)}
                </Badge>
              </td>
              <td className="px-4 py-3 text-slate-700">{ownerName(lead.ownerId)}</td>
              <td className="px-4 py-3 text-slate-700">{lead.takenOver ? tp.takenOverYes : tp.takenOverNo}</td>
              <td className="px-4 py-3 whitespace-nowrap text-slate-700">{formatRelative(lead.lastMessageAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.hasNextPage ? (
        <div className="border-t border-slate-100 p-3 text-center">
          <Button variant="outline" size="sm" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            {tp.loadMore}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
