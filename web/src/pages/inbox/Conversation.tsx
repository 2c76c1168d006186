/**
 * One open conversation: who the lead is and who answers them (the agent,
 * or a person who took over), the messages (oldest at the top; scrolling up
 * loads older ones), the reply box with the 24-hour window's time left, and
 * the team's internal notes.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import {
  AlertCircle,
  ArrowLeft,
  Bot,
  Check,
  CheckCheck,
  Clock,
  FileText,
  Hand,
  Image,
  MapPin,
  Mic,
  Send,
  StickyNote,
  Undo2,
  UserRound,
  Video,
} from 'lucide-react';
import { Link } from 'react-router';
import {
  laterStatus,
  useAddNote,
  useInboxLead,
  useMarkRead,
  useMessages,
  useNotes,
  useSendReply,
  useTakeOver,
  windowLeftMs,
  type InboxLead,
  type Message,
  type MessageStatus,
} from '@/api/inbox';
import { errorMessage } from '@/api/errors';
import { useCurrentUser } from '@/api/queries';
import { useCurrentWorkspace } from '@/api/workspaceQueries';
import { FormAlert } from '@/components/form/fields';
import { LoadError } from '@/components/LoadError';
import { Alert } from '@/components/ui/Alert';
import { Button } from '@/components/ui/Button';
import { inputClasses } from '@/components/ui/Field';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { Spinner } from '@/components/ui/Spinner';
import { useToast } from '@/components/ui/Toast';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';
import { formatDateTime } from '@/lib/format';
import { wsPath } from '@/lib/paths';
import { useFocusOnMount } from '@/lib/usePage';
import { useForm } from '@/lib/useForm';

const REPLY_MAX = 4096;
/** The view counts as at the bottom this close to it (px). */
const NEAR_BOTTOM_PX = 120;
const NOTE_MAX = 2000;

/** The current time, refreshed every `ms`. */
function useNow(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** "5 h 12 min", "12 min", "menos de 1 min". */
export function formatLeft(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'menos de 1 min';
  const h = Math.floor(min / 60);
  const m = min % 60;
  if (h === 0) return `${m} min`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/* ------------------------------------------------------------------ */
/* Header                                                              */
/* ------------------------------------------------------------------ */

function Header({ lead }: { lead: InboxLead }) {
  const ws = useCurrentWorkspace();
  const me = useCurrentUser();
  const toast = useToast();
  const take = useTakeOver(ws.id, lead.id);
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const toggle = () => {
    const next = !lead.takenOver;
    take.mutate(
      next && !lead.ownerId ? { takenOver: true, ownerId: me.id } : { takenOver: next },
      {
        onSuccess: () => toast.success(next ? t.inbox.tookOver : t.inbox.handedBack),
        onError: (err) => toast.error(errorMessage(err)),
      },
    );
  };
  return (
    <div className="flex flex-wrap items-center gap-3 border-b border-slate-200 px-4 py-3">
      <Link
        to={wsPath(ws.id, 'conversations')}
        className="-ml-1 rounded-md p-1 text-slate-700 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-brand-600 md:hidden"
      >
        <ArrowLeft className="size-5" aria-hidden="true" />
        <span className="sr-only">{t.inbox.back}</span>
      </Link>
      <div className="min-w-0 flex-1">
        <h2
          ref={heading}
          tabIndex={-1}
          className="truncate text-base font-semibold text-slate-900"
          data-testid="conversation-title"
        >
          {lead.name || lead.phone}
        </h2>
        <p className="flex flex-wrap items-center gap-x-2 text-xs text-slate-600">
          <span>{lead.phone}</span>
          <span aria-hidden="true">·</span>
          <span>{t.inbox.stages[lead.stage]}</span>
          <span aria-hidden="true">·</span>
          <span data-testid="conversation-answerer">
            {lead.takenOver
              ? t.inbox.answeredByPerson(lead.ownerName)
              : lead.agentName
                ? t.inbox.answeredByAgent(lead.agentName)
                : t.inbox.noAgent}
          </span>
        </p>
      </div>
      <Button
        size="sm"
        variant={lead.takenOver ? 'outline' : 'primary'}
        loading={take.isPending}
        onClick={toggle}
      >
        {lead.takenOver ? (
          <Undo2 className="size-4" aria-hidden="true" />
        ) : (
          <Hand className="size-4" aria-hidden="true" />
        )}
        {lead.takenOver ? t.inbox.handBack : t.inbox.takeOver}
      </Button>
    </div>
  );
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

function Ticks({ status }: { status: MessageStatus }) {
  const label = t.inbox.status[status] ?? status;
  const common = 'size-3.5';
  return (
    <span className="inline-flex items-center" data-testid="message-status" data-status={status}>
      {status === 'pending' ? <Clock className={common} aria-hidden="true" /> : null}
      {status === 'sent' ? <Check className={common} aria-hidden="true" /> : null}
      {status === 'delivered' ? <CheckCheck className={common} aria-hidden="true" /> : null}
      {status === 'read' ? (
        <CheckCheck className={cn(common, 'text-sky-700')} aria-hidden="true" />
      ) : null}
      {status === 'failed' ? (
        <AlertCircle className={cn(common, 'text-red-700')} aria-hidden="true" />
      ) : null}
      <span className="sr-only">{label}</span>
    </span>
  );
}

const MEDIA_ICONS: Record<string, typeof Image> = {
  image: Image,
  sticker: Image,
  video: Video,
  audio: Mic,
  document: FileText,
  location: MapPin,
  contacts: UserRound,
};

/** A non-text message: what kind it is (icon and name), its caption or file name. */
function MediaLabel({ m }: { m: Message }) {
  const Icon = MEDIA_ICONS[m.type] ?? FileText;
  const name = t.inbox.media[m.type] ?? t.inbox.media.unsupported;
  return (
    <span className="mb-1 flex items-center gap-1.5 text-xs font-medium opacity-90" data-testid="message-media">
      <Icon className="size-4" aria-hidden="true" />
      {name}
      {m.media?.mimeType ? <span className="font-normal">({m.media.mimeType})</span> : null}
    </span>
  );
}

function sourceText(s: Record<string, unknown>): { title: string; text: string | null } {
  const pick = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : null);
  return {
    title: pick('filename') ?? pick('title') ?? pick('documentId') ?? t.inbox.sourceFallback,
    text: pick('text') ?? pick('snippet'),
  };
}

function Sources({ sources }: { sources: Record<string, unknown>[] }) {
  if (!sources.length) return null;
  return (
    <details className="mt-2 text-xs">
      <summary className="cursor-pointer font-medium underline-offset-2 hover:underline">
        {t.inbox.sources(sources.length)}
      </summary>
      <ul className="mt-1 space-y-1">
        {sources.map((s, i) => {
          const { title, text } = sourceText(s);
          return (
            <li key={i} className="rounded bg-white/70 p-1.5 text-slate-800">
              <span className="font-medium">{title}</span>
              {text ? <span className="block whitespace-pre-wrap">{text}</span> : null}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

function Bubble({ m, status }: { m: Message; status: MessageStatus }) {
  const out = m.direction === 'out';
  return (
    <li
      className={cn('flex', out ? 'justify-end' : 'justify-start')}
      data-testid="message"
      data-author={m.author}
      data-id={m.id}
    >
      <div
        className={cn(
          'max-w-[85%] rounded-2xl px-3 py-2 text-sm shadow-xs',
          !out && 'rounded-bl-sm bg-slate-100 text-slate-900',
          out && m.author === 'agent' && 'rounded-br-sm bg-brand-50 text-slate-900 ring-1 ring-brand-200',
          out && m.author === 'person' && 'rounded-br-sm bg-emerald-50 text-slate-900 ring-1 ring-emerald-200',
        )}
      >
        <span className="mb-0.5 flex items-center gap-1 text-xs font-semibold text-slate-700">
          {m.author === 'agent' ? <Bot className="size-3.5" aria-hidden="true" /> : null}
          {t.inbox.authors[m.author]}
        </span>
        {m.type !== 'text' ? <MediaLabel m={m} /> : null}
        {m.text ? <p className="break-words whitespace-pre-wrap">{m.text}</p> : null}
        {status === 'failed' && m.error?.title ? (
          <p className="mt-1 text-xs text-red-800">{t.inbox.failedReason(m.error.title)}</p>
        ) : null}
        <Sources sources={m.sources} />
        <span className="mt-1 flex items-center justify-end gap-1 text-[11px] text-slate-600">
          <time dateTime={m.createdAt}>{formatDateTime(m.createdAt)}</time>
          {out ? <Ticks status={status} /> : null}
        </span>
      </div>
    </li>
  );
}

/** Whether the page is shown (document.visibilityState), kept current. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState === 'visible');
  useEffect(() => {
    const on = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', on);
    on();
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

function Messages({ lead }: { lead: InboxLead }) {
  const ws = useCurrentWorkspace();
  const q = useMessages(ws.id, lead.id);
  const markRead = useMarkRead(ws.id, lead.id);
  const box = useRef<HTMLDivElement>(null);
  // The furthest status each message has shown: ticks never move back.
  const seen = useRef(new Map<string, MessageStatus>());
  const pagesCount = q.data?.pages.length ?? 0;
  const newest = q.data?.pages[0]?.messages[0]?.id;

  const list = useMemo(() => {
    const all = (q.data?.pages ?? []).flatMap((p) => p.messages).slice().reverse();
    return all.map((m) => {
      const status = laterStatus(seen.current.get(m.id), m.status);
      seen.current.set(m.id, status);
      return { m, status };
    });
  }, [q.data]);

  // Scroll: to the bottom at first and when a message arrives while near it;
  // where the reader was when older messages come in above.
  const prev = useRef({ height: 0, top: 0, pages: 0, newest: undefined as string | undefined });
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const p = prev.current;
    if (pagesCount > p.pages && p.pages > 0) {
      el.scrollTop = el.scrollHeight - p.height + p.top;
    } else if (newest !== p.newest) {
      const nearBottom = p.height - p.top - el.clientHeight < NEAR_BOTTOM_PX;
      if (p.newest === undefined || nearBottom) el.scrollTop = el.scrollHeight;
    }
    prev.current = { height: el.scrollHeight, top: el.scrollTop, pages: pagesCount, newest };
  }, [pagesCount, newest, list]);

  // The team has read what is on screen: the marker is shared, so only while
  // someone can see the newest message (the tab shown, the view at the
  // bottom); a failed mark is tried again at the next chance.
  const visible = usePageVisible();
  const [atBottom, setAtBottom] = useState(true);
  const marked = useRef<string | null>(null);
  const mark = useRef(markRead);
  useEffect(() => {
    mark.current = markRead;
  });
  useEffect(() => {
    const m = mark.current;
    if (!newest || lead.unread <= 0 || !visible || !atBottom) return;
    if (marked.current === newest) return;
    marked.current = newest;
    m.mutate(newest, {
      onError: () => {
        if (marked.current === newest) marked.current = null;
      },
    });
  }, [newest, lead.unread, visible, atBottom]);

  // New incoming messages are announced (not the list itself: older pages
  // coming in are not news).
  const [announce, setAnnounce] = useState('');
  const announced = useRef<string | undefined>(undefined);
  useEffect(() => {
    const first = q.data?.pages[0]?.messages[0];
    if (!first) return;
    if (announced.current !== undefined && announced.current !== first.id && first.direction === 'in') {
      setAnnounce(t.inbox.newIncoming(first.text || (t.inbox.media[first.type] ?? t.inbox.media.unsupported!)));
    }
    announced.current = first.id;
  }, [q.data]);

  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    prev.current.top = el.scrollTop;
    prev.current.height = el.scrollHeight;
    setAtBottom(el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX);
    if (el.scrollTop < 80 && q.hasNextPage && !q.isFetchingNextPage) void q.fetchNextPage();
  };

  if (q.isPending) {
    return (
      <div className="flex-1 p-4" aria-busy="true">
        <span className="sr-only">{t.app.loading}</span>
        <SkeletonRows rows={4} />
      </div>
    );
  }
  if (q.isError) {
    return (
      <LoadError
        className="flex-1 p-4"
        title={t.inbox.messagesLoadError}
        error={q.error}
        onRetry={() => void q.refetch()}
        retrying={q.isFetching}
      />
    );
  }
  return (
    <div
      ref={box}
      onScroll={onScroll}
      tabIndex={0}
      role="region"
      aria-label={t.inbox.messagesLabel}
      className="min-h-0 flex-1 overflow-y-auto bg-slate-50/60 px-3 py-3 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600"
      data-testid="messages"
    >
      {q.hasNextPage ? (
        <div className="mb-3 flex justify-center">
          {q.isFetchingNextPage ? (
            <Spinner label={t.inbox.olderLoading} />
          ) : (
            <Button size="sm" variant="ghost" onClick={() => void q.fetchNextPage()}>
              {t.inbox.loadOlder}
            </Button>
          )}
        </div>
      ) : null}
      <p className="sr-only" role="status" data-testid="message-announce">
        {announce}
      </p>
      {list.length === 0 ? (
        <p className="py-10 text-center text-sm text-slate-600">{t.inbox.noMessagesYet}</p>
      ) : (
        <ol className="space-y-2">
          {list.map(({ m, status }) => (
            <Bubble key={m.id} m={m} status={status} />
          ))}
        </ol>
      )}
    </div>
  );
}

/* ------------------------------------------------------------------ */
/* Reply                                                               */
/* ------------------------------------------------------------------ */

function Reply({ lead }: { lead: InboxLead }) {
  const ws = useCurrentWorkspace();
  const send = useSendReply(ws.id, lead.id);
  const now = useNow(30_000);
  const left = windowLeftMs(lead.windowClosesAt, now);
  const open = left > 0;
  const form = useForm({
    initial: { text: '' },
    validate: (v) => ({
      text: !v.text.trim() ? t.validation.required : v.text.length > REPLY_MAX ? t.inbox.replyTooLong : null,
    }),
  });
  const onValid = (v: typeof form.values) =>
    send.mutate(v.text.trim(), {
      onSuccess: () => form.reset(),
      onError: (err) => form.fail(err),
    });
  const submit = form.handleSubmit(onValid);
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit();
    }
  };
  const field = form.field('text');
  const hintId = `reply-${lead.id}-hint`;
  const errorId = `reply-${lead.id}-error`;
  return (
    <form {...form.formProps(onValid)} className="space-y-2 border-t border-slate-200 p-3">
      <FormAlert form={form} />
      {open ? (
        <p id={hintId} className="flex items-center gap-1.5 text-xs text-slate-700" data-testid="window-left">
          <Clock className="size-3.5" aria-hidden="true" />
          {t.inbox.windowLeft(formatLeft(left))}
        </p>
      ) : (
        <Alert tone="warning">{lead.windowClosesAt ? t.inbox.windowClosed : t.inbox.windowNever}</Alert>
      )}
      <div className="flex items-end gap-2">
        <div className="min-w-0 flex-1">
          <label htmlFor={`reply-${lead.id}`} className="sr-only">
            {t.inbox.replyLabel}
          </label>
          <textarea
            id={`reply-${lead.id}`}
            name={field.name}
            value={field.value}
            onChange={field.onChange}
            onKeyDown={onKeyDown}
            disabled={!open}
            rows={2}
            placeholder={t.inbox.replyPlaceholder}
            aria-invalid={field.error ? true : undefined}
            aria-describedby={[field.error ? errorId : '', open ? hintId : ''].filter(Boolean).join(' ') || undefined}
            className={inputClasses(!!field.error, 'h-auto min-h-[2.5rem] resize-y py-2')}
          />
          {field.error ? (
            <p id={errorId} className="mt-1 text-sm text-red-700">
              {field.error}
            </p>
          ) : null}
        </div>
        <Button type="submit" disabled={!open} loading={send.isPending}>
          <Send className="size-4" aria-hidden="true" />
          {send.isPending ? t.inbox.sending : t.inbox.send}
        </Button>
      </div>
    </form>
  );
}

/* ------------------------------------------------------------------ */
/* Notes                                                               */
/* ------------------------------------------------------------------ */

function Notes({ lead }: { lead: InboxLead }) {
  const ws = useCurrentWorkspace();
  const q = useNotes(ws.id, lead.id, true);
  const add = useAddNote(ws.id, lead.id);
  const form = useForm({
    initial: { text: '' },
    validate: (v) => ({
      text: !v.text.trim() ? t.validation.required : v.text.length > NOTE_MAX ? t.inbox.noteTooLong : null,
    }),
  });
  const onValid = (v: typeof form.values) =>
    add.mutate(v.text.trim(), { onSuccess: () => form.reset(), onError: (err) => form.fail(err) });
  const field = form.field('text');
  const id = `note-${lead.id}`;
  const notes = (q.data?.pages ?? []).flatMap((p) => p.notes);
  return (
    <div className="flex min-h-0 flex-1 flex-col" role="region" aria-label={t.inbox.notesLabel}>
      <div className="min-h-0 flex-1 overflow-y-auto px-4 py-3">
        <p className="mb-3 text-xs text-slate-600">{t.inbox.notesHint}</p>
        {q.isPending ? (
          <SkeletonRows rows={2} />
        ) : q.isError ? (
          <LoadError
            title={t.inbox.notesLoadError}
            error={q.error}
            onRetry={() => void q.refetch()}
            retrying={q.isFetching}
          />
        ) : notes.length === 0 ? (
          <p className="text-sm text-slate-600">{t.inbox.notesEmpty}</p>
        ) : (
          <ul className="space-y-2">
            {notes.map((n) => (
              <li key={n.id} className="rounded-lg bg-amber-50 p-3 text-sm ring-1 ring-amber-200" data-testid="note">
                <p className="break-words whitespace-pre-wrap text-slate-900">{n.text}</p>
                <p className="mt-1 text-xs text-slate-700">
                  {t.inbox.noteBy(n.authorName)} ·{' '}
                  <time dateTime={n.createdAt}>{formatDateTime(n.createdAt)}</time>
                </p>
              </li>
            ))}
          </ul>
        )}
        {q.hasNextPage ? (
          <Button
            size="sm"
            variant="ghost"
            className="mt-2"
            loading={q.isFetchingNextPage}
            onClick={() => void q.fetchNextPage()}
          >
            {t.inbox.loadOlderNotes}
          </Button>
        ) : null}
      </div>
      <form {...form.formProps(onValid)} className="space-y-2 border-t border-slate-200 p-3">
        <FormAlert form={form} />
        <label htmlFor={id} className="block text-sm font-medium text-slate-800">
          {t.inbox.noteLabel}
        </label>
        <textarea
          id={id}
          name={field.name}
          value={field.value}
          onChange={field.onChange}
          rows={2}
          placeholder={t.inbox.notePlaceholder}
          aria-invalid={field.error ? true : undefined}
          aria-describedby={field.error ? `${id}-error` : undefined}
          className={inputClasses(!!field.error, 'h-auto resize-y py-2')}
        />
        {field.error ? (
          <p id={`${id}-error`} className="text-sm text-red-700">
            {field.error}
          </p>
        ) : null}
        <Button type="submit" size="sm" loading={add.isPending}>
          <StickyNote className="size-4" aria-hidden="true" />
          {add.isPending ? t.inbox.addingNote : t.inbox.addNote}
        </Button>
      </form>
    </div>
  );
}

/* ------------------------------------------------------------------ */

export function Conversation({ leadId }: { leadId: string }) {
  const ws = useCurrentWorkspace();
  const q = useInboxLead(ws.id, leadId);
  const [tab, setTab] = useState<'messages' | 'notes'>('messages');

  if (q.isPending) {
    return (
      <div className="p-4" aria-busy="true">
        <span className="sr-only">{t.app.loading}</span>
        <SkeletonRows rows={3} />
      </div>
    );
  }
  if (q.isError) {
    return (
      <div className="p-4">
        <Link
          to={wsPath(ws.id, 'conversations')}
          className="mb-3 inline-flex items-center gap-1 text-sm text-brand-700 underline md:hidden"
        >
          <ArrowLeft className="size-4" aria-hidden="true" />
          {t.inbox.back}
        </Link>
        <LoadError
          title={t.inbox.leadLoadError}
          error={q.error}
          onRetry={() => void q.refetch()}
          retrying={q.isFetching}
        />
      </div>
    );
  }
  const lead = q.data;
  const tabs: ['messages' | 'notes', string][] = [
    ['messages', t.inbox.tabMessages],
    ['notes', t.inbox.tabNotes],
  ];
  return (
    <section aria-label={lead.name || lead.phone} className="flex min-h-0 flex-1 flex-col">
      <Header lead={lead} />
      <div className="flex gap-1 border-b border-slate-200 px-3" role="group" aria-label={t.inbox.title}>
        {tabs.map(([k, label]) => (
          <button
            key={k}
            type="button"
            aria-pressed={tab === k}
            onClick={() => setTab(k)}
            className={cn(
              '-mb-px border-b-2 px-3 py-2 text-sm font-medium',
              'focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600',
              tab === k
                ? 'border-brand-700 text-brand-800'
                : 'border-transparent text-slate-700 hover:text-slate-900',
            )}
          >
            {label}
          </button>
        ))}
      </div>
      {tab === 'messages' ? (
        <>
          <Messages lead={lead} />
          <Reply lead={lead} />
        </>
      ) : (
        <Notes lead={lead} />
      )}
    </section>
  );
}
