/**
 * Conhecimento: the workspace's knowledge documents. Owners and admins
 * upload files (several at once, each straight to its signed URL with a
 * progress bar, then "complete" queues the indexing) and delete them; every
 * member sees each document's state (refreshed while any is indexing), a
 * preview of its chunks, and what retrieval returns for a question.
 */
import { useEffect, useId, useRef, useState, type ChangeEvent } from 'react';
import { BookOpen, ChevronDown, ChevronUp, FileText, Search, Trash2, Upload, X } from 'lucide-react';
import { isApiError } from '@/api/client';
import { errorMessage } from '@/api/errors';
import {
  useChunks,
  useDeleteDocument,
  useDocuments,
  useSearch,
  useStoreDocument,
} from '@/api/documentQueries';
import {
  DOCUMENT_ACCEPT,
  DOCUMENT_FILE_MAX,
  DOCUMENT_FILENAME_MAX,
  SEARCH_QUERY_MAX,
  documentContentType,
  documentsApi,
  uploadToSignedUrl,
  type KnowledgeDocument,
} from '@/api/documents';
import { hasRole, useCurrentWorkspace } from '@/api/workspaceQueries';
import { ConfirmDialog } from '@/components/ConfirmDialog';
import { FormAlert } from '@/components/form/fields';
import { ListCard } from '@/components/ListCard';
import { LoadError } from '@/components/LoadError';
import { PageHeader } from '@/components/PageHeader';
import { Alert } from '@/components/ui/Alert';
import { Badge } from '@/components/ui/Badge';
import { Button } from '@/components/ui/Button';
import { SectionCard } from '@/components/ui/Card';
import { EmptyState } from '@/components/ui/EmptyState';
import { FieldShell, TextField } from '@/components/ui/Field';
import { SkeletonRows } from '@/components/ui/SkeletonRows';
import { useToast } from '@/components/ui/Toast';
import { locale, t } from '@/i18n';
import { cn } from '@/lib/cn';
import { useForm } from '@/lib/useForm';
import { usePageTitle } from '@/lib/usePage';

const k = t.knowledge;

/* ------------------------------------------------------------------ */
/* Client-side checks (the server's, docs/api.md POST /bff/uploads)    */
/* ------------------------------------------------------------------ */

/** Why the server would refuse this file before any byte is sent, or null. */
export function validateDocumentFile(file: { name: string; size: number }): string | null {
  // eslint-disable-next-line no-control-regex
  if (!file.name || /[/\\\u0000-\u001f\u007f]/.test(file.name)) return k.nameInvalid;
  if (new TextEncoder().encode(file.name).length > DOCUMENT_FILENAME_MAX) return k.nameInvalid;
  if (!documentContentType(file.name)) return k.typeInvalid;
  if (file.size <= 0) return k.empty;
  if (file.size > DOCUMENT_FILE_MAX) return k.tooLarge;
  return null;
}

/** The user's words for a refused grant (POST /bff/uploads) or upload (the signed PUT). */
export function uploadErrorMessage(err: unknown, stage: 'grant' | 'put'): string {
  if (!isApiError(err)) return errorMessage(err);
  const field = err.fieldErrors[0];
  if (err.code === 'validation_failed' && field) {
    if (field.field === 'filename') return k.nameInvalid;
    if (field.field === 'contentType' || field.field === 'Content-Type') return k.typeInvalid;
    if (field.field === 'size') return k.tooLarge;
    if (field.field === 'body') return k.sizeMismatch;
  }
  // The grant's 413 is the workspace's total; the store's, the file's own size.
  if (err.code === 'payload_too_large') return stage === 'grant' ? k.workspaceFull : k.tooLarge;
  if (err.code === 'link_expired') return k.linkExpired;
  if (err.code === 'conflict') return k.superseded;
  return errorMessage(err);
}

const bytesFmt = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
const scoreFmt = new Intl.NumberFormat(locale, { maximumSignificantDigits: 3 });

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${bytesFmt.format(n / 1024)} KB`;
  return `${bytesFmt.format(n / (1024 * 1024))} MB`;
}

function typeLabel(filename: string): string {
  const dot = filename.lastIndexOf('.');
  return dot >= 0 ? filename.slice(dot + 1).toUpperCase() : '';
}

/* ------------------------------------------------------------------ */
/* Uploads                                                             */
/* ------------------------------------------------------------------ */

type Phase = 'granting' | 'sending' | 'completing' | 'failed';

interface UploadRow {
  key: number;
  name: string;
  phase: Phase;
  /** 0..100 */
  percent: number;
  error?: string;
}

function UploadProgress({ row, onDismiss }: { row: UploadRow; onDismiss: () => void }) {
  const failed = row.phase === 'failed';
  let text: string;
  if (row.phase === 'sending') text = k.phase.sending(row.percent);
  else text = k.phase[row.phase] as string;
  return (
    <li className="space-y-2 px-5 py-3 sm:px-6">
      <div className="flex items-center justify-between gap-3">
        <p className="min-w-0 truncate text-sm font-medium text-slate-900">{row.name}</p>
        {failed ? (
          <Button
            size="sm"
            variant="ghost"
            aria-label={k.dismissLabel(row.name)}
            title={t.common.dismiss}
            onClick={onDismiss}
          >
            <X className="size-4" aria-hidden="true" />
          </Button>
        ) : (
          <span className="shrink-0 text-xs text-slate-600">{text}</span>
        )}
      </div>
      {failed ? (
        <p className="text-sm text-red-700" role="alert">
          {k.uploadFailed(row.name, row.error ?? '')}
        </p>
      ) : (
        <progress
          className="block h-2 w-full overflow-hidden rounded-full bg-slate-100 accent-brand-600 [&::-moz-progress-bar]:bg-brand-600 [&::-webkit-progress-bar]:bg-slate-100 [&::-webkit-progress-value]:bg-brand-600"
          max={100}
          value={row.phase === 'granting' ? undefined : row.percent}
          aria-label={k.progressLabel(row.name)}
        />
      )}
    </li>
  );
}

function UploadCard({ wid }: { wid: string }) {
  const toast = useToast();
  const storeDocument = useStoreDocument(wid);
  const [rows, setRows] = useState<UploadRow[]>([]);
  const [rejected, setRejected] = useState<string[]>([]);
  const nextKey = useRef(1);
  const aborts = useRef(new Map<number, AbortController>());

  // Leaving the page stops the uploads still running (their documents stay "enviando").
  useEffect(() => {
    const running = aborts.current;
    return () => {
      for (const c of running.values()) c.abort();
    };
  }, []);

  const update = (key: number, patch: Partial<UploadRow>) =>
    setRows((list) => list.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const drop = (key: number) => setRows((list) => list.filter((r) => r.key !== key));

  async function send(file: File, key: number) {
    const abort = new AbortController();
    let stage: 'grant' | 'put' = 'grant';
    aborts.current.set(key, abort);
    try {
      const grant = await documentsApi.begin({
        workspaceId: wid,
        filename: file.name,
        contentType: documentContentType(file.name)!,
        size: file.size,
      });
      storeDocument(grant.document);
      stage = 'put';
      update(key, { phase: 'sending', percent: 0 });
      await uploadToSignedUrl(
        grant.upload,
        file,
        (f) => update(key, { percent: Math.min(100, Math.round(f * 100)) }),
        abort.signal,
      );
      stage = 'grant';
      update(key, { phase: 'completing', percent: 100 });
      storeDocument(await documentsApi.complete(wid, grant.document.id));
      drop(key);
      toast.success(k.uploaded(file.name));
    } catch (err) {
      if ((err as { name?: unknown } | null)?.name === 'AbortError') return;
      update(key, { phase: 'failed', error: uploadErrorMessage(err, stage) });
    } finally {
      aborts.current.delete(key);
    }
  }

  const onChange = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    e.target.value = '';
    const refused: string[] = [];
    const accepted: { file: File; key: number }[] = [];
    for (const file of files) {
      const why = validateDocumentFile(file);
      if (why) refused.push(k.rejected(file.name, why));
      else accepted.push({ file, key: nextKey.current++ });
    }
    setRejected(refused);
    if (accepted.length) {
      setRows((list) => [
        ...list.filter((r) => r.phase !== 'failed'),
        ...accepted.map(({ file, key }) => ({
          key,
          name: file.name,
          phase: 'granting' as const,
          percent: 0,
        })),
      ]);
      for (const { file, key } of accepted) void send(file, key);
    }
  };

  return (
    <SectionCard title={k.uploadTitle} description={k.uploadDescription} headingId="kb-upload-heading">
      <div className="space-y-4">
        <FieldShell
          id="kb-files"
          label={k.files}
          hint={k.filesHint}
          error={rejected.length ? rejected.join(' ') : null}
        >
          {(aria) => (
            <input
              {...aria}
              type="file"
              multiple
              accept={DOCUMENT_ACCEPT}
              onChange={onChange}
              className={cn(
                'block w-full rounded-lg border border-dashed bg-white p-3 text-sm text-slate-700',
                'file:mr-3 file:rounded-md file:border-0 file:bg-brand-600 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-white hover:file:bg-brand-700',
                'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600',
                rejected.length ? 'border-red-400' : 'border-slate-300',
              )}
            />
          )}
        </FieldShell>
      </div>
      {rows.length ? (
        <ul
          aria-label={k.uploadsLabel}
          className="-mx-5 mt-4 divide-y divide-slate-100 border-t border-slate-100 sm:-mx-6"
        >
          {rows.map((row) => (
            <UploadProgress key={row.key} row={row} onDismiss={() => drop(row.key)} />
          ))}
        </ul>
      ) : null}
    </SectionCard>
  );
}

/* ------------------------------------------------------------------ */
/* Documents                                                           */
/* ------------------------------------------------------------------ */

function statusTone(status: string) {
  if (status === 'ready') return 'success' as const;
  if (status === 'failed') return 'danger' as const;
  if (status === 'indexing') return 'warning' as const;
  return 'brand' as const;
}

function ChunkPreview({ wid, doc, id }: { wid: string; doc: KnowledgeDocument; id: string }) {
  const chunks = useChunks(wid, doc);
  const list = chunks.data?.pages.flatMap((p) => p.chunks) ?? [];
  let content;
  if (chunks.isPending) {
    content = (
      <p className="text-sm text-slate-500" role="status">
        {t.app.loading}
      </p>
    );
  } else if (chunks.isError && list.length === 0) {
    content = (
      <LoadError
        title={k.chunksError}
        error={chunks.error}
        onRetry={() => void chunks.refetch()}
        retrying={chunks.isRefetching}
      />
    );
  } else if (list.length === 0) {
    content = <p className="text-sm text-slate-600">{k.chunksEmpty}</p>;
  } else {
    content = (
      <>
        <ol className="space-y-2">
          {list.map((c) => (
            <li key={c.id} className="rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-slate-200">
              <p className="text-xs font-medium text-slate-600">{k.chunkNumber(c.ord + 1)}</p>
              <p className="mt-1 text-sm break-words whitespace-pre-line text-slate-800">{c.text}</p>
            </li>
          ))}
        </ol>
        {chunks.hasNextPage ? (
          <Button
            className="mt-3"
            size="sm"
            variant="outline"
            loading={chunks.isFetchingNextPage}
            onClick={() => void chunks.fetchNextPage()}
          >
            {chunks.isFetchingNextPage ? k.loadingMore : k.loadMore}
          </Button>
        ) : null}
      </>
    );
  }
  return (
    <section id={id} aria-label={k.chunksLabel(doc.filename)} className="mt-3">
      {content}
    </section>
  );
}

function DocumentRow({
  wid,
  doc,
  canManage,
  onRemove,
}: {
  wid: string;
  doc: KnowledgeDocument;
  canManage: boolean;
  onRemove: (d: KnowledgeDocument) => void;
}) {
  const [open, setOpen] = useState(false);
  const previewId = useId();
  return (
    <li className="px-5 py-4 sm:px-6">
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="flex min-w-0 gap-3">
          <FileText className="mt-0.5 size-5 shrink-0 text-slate-400" aria-hidden="true" />
          <div className="min-w-0">
            <p className="text-sm font-medium break-all text-slate-900">{doc.filename}</p>
            <p className="mt-0.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-600">
              <span>
                {k.meta(typeLabel(doc.filename), formatBytes(doc.size), doc.version)}
                {doc.status === 'ready' ? ` · ${k.chunkCount(doc.chunks)}` : null}
              </span>
              <Badge tone={statusTone(doc.status)}>{k.status[doc.status] ?? doc.status}</Badge>
            </p>
            {doc.status === 'failed' && doc.reasonText ? (
              <p className="mt-1 text-sm text-red-700">{doc.reasonText}</p>
            ) : null}
          </div>
        </div>
        <div className="flex shrink-0 flex-wrap gap-2 pl-8 sm:pl-0">
          {doc.status === 'ready' || doc.chunks > 0 ? (
            <Button
              size="sm"
              variant="outline"
              aria-expanded={open}
              aria-controls={open ? previewId : undefined}
              aria-label={`${open ? k.hideChunks : k.showChunks}: ${doc.filename}`}
              onClick={() => setOpen((v) => !v)}
            >
              {open ? (
                <ChevronUp className="size-4" aria-hidden="true" />
              ) : (
                <ChevronDown className="size-4" aria-hidden="true" />
              )}
              {open ? k.hideChunks : k.showChunks}
            </Button>
          ) : null}
          {canManage ? (
            <Button
              size="sm"
              variant="danger-outline"
              aria-label={k.removeLabel(doc.filename)}
              onClick={() => onRemove(doc)}
            >
              <Trash2 className="size-4" aria-hidden="true" />
              {k.remove}
            </Button>
          ) : null}
        </div>
      </div>
      {open ? <ChunkPreview wid={wid} doc={doc} id={previewId} /> : null}
    </li>
  );
}

function DocumentList({
  wid,
  canManage,
  docs,
}: {
  wid: string;
  canManage: boolean;
  docs: ReturnType<typeof useDocuments>;
}) {
  const remove = useDeleteDocument(wid);
  const toast = useToast();
  const [removing, setRemoving] = useState<KnowledgeDocument | null>(null);

  // Says so when a document this page saw indexing becomes ready or fails.
  const seen = useRef(new Map<string, string>());
  useEffect(() => {
    for (const d of docs.data ?? []) {
      const before = seen.current.get(d.id);
      if (before === 'indexing' && d.status === 'ready') toast.success(k.nowReady(d.filename));
      if (before === 'indexing' && d.status === 'failed') {
        toast.error(k.nowFailed(d.filename, d.reasonText ?? ''));
      }
      seen.current.set(d.id, d.status);
    }
  }, [docs.data, toast]);

  let content;
  if (docs.isPending) {
    content = (
      <div role="status" aria-label={t.app.loading}>
        <SkeletonRows rows={3} />
      </div>
    );
  } else if (docs.isError && !docs.data) {
    content = (
      <LoadError
        className="p-5"
        title={k.loadError}
        error={docs.error}
        onRetry={() => void docs.refetch()}
        retrying={docs.isRefetching}
      />
    );
  } else if (docs.data.length === 0) {
    content = (
      <EmptyState icon={BookOpen} title={k.listEmpty} className="m-5 border-0 py-8">
        {canManage ? k.listEmptyText : k.listEmptyMember}
      </EmptyState>
    );
  } else {
    content = (
      <ul className="divide-y divide-slate-100" aria-labelledby="kb-list-heading">
        {docs.data.map((d) => (
          <DocumentRow key={d.id} wid={wid} doc={d} canManage={canManage} onRemove={setRemoving} />
        ))}
      </ul>
    );
  }

  return (
    <ListCard headingId="kb-list-heading" title={k.listTitle} description={k.listDescription}>
      {content}
      <ConfirmDialog
        open={removing !== null}
        onClose={() => {
          remove.reset();
          setRemoving(null);
        }}
        title={removing ? k.removeTitle(removing.filename) : ''}
        text={k.removeText}
        confirm={k.removeConfirm}
        busy={remove.isPending}
        busyLabel={k.removing}
        error={remove.error ? errorMessage(remove.error) : null}
        onConfirm={() => {
          if (!removing) return;
          const name = removing.filename;
          remove.mutate(removing.id, {
            onSuccess: () => {
              setRemoving(null);
              toast.success(k.removed(name));
            },
          });
        }}
      />
    </ListCard>
  );
}

/* ------------------------------------------------------------------ */
/* Search                                                              */
/* ------------------------------------------------------------------ */

function SearchResults({ wid, q, names }: { wid: string; q: string; names: Map<string, string> }) {
  const results = useSearch(wid, q);

  if (results.isPending) {
    return (
      <p className="mt-4 text-sm text-slate-500" role="status">
        {k.searching}
      </p>
    );
  }
  if (results.isError) {
    return (
      <Alert className="mt-4" tone="error" title={k.searchError}>
        {errorMessage(results.error)}
      </Alert>
    );
  }
  if (results.data.length === 0) {
    return (
      <p className="mt-4 text-sm text-slate-600" role="status">
        {k.noResults}
      </p>
    );
  }
  return (
    <ol className="mt-4 space-y-3" aria-label={k.resultsLabel}>
      {results.data.map((r, i) => (
        <li key={r.chunkId} className="rounded-lg px-3 py-2 ring-1 ring-slate-200">
          <p className="flex flex-wrap items-center justify-between gap-2 text-xs text-slate-600">
            <span className="font-medium text-slate-800">
              {k.result(i + 1, names.get(r.documentId) ?? k.unknownDocument, r.ord)}
            </span>
            <span>{k.score(scoreFmt.format(r.score))}</span>
          </p>
          <p className="mt-1 text-sm break-words whitespace-pre-line text-slate-800">{r.text}</p>
        </li>
      ))}
    </ol>
  );
}

function SearchCard({ wid, names }: { wid: string; names: Map<string, string> }) {
  const [asked, setAsked] = useState('');
  const form = useForm({
    initial: { q: '' },
    validate: (v) => ({
      q: !v.q.trim()
        ? t.validation.required
        : new TextEncoder().encode(v.q.trim()).length > SEARCH_QUERY_MAX
          ? k.questionTooLong
          : null,
    }),
    fieldMessage: (field, code) => (field === 'q' && code === 'invalid' ? k.questionTooLong : undefined),
  });
  return (
    <SectionCard title={k.searchTitle} description={k.searchDescription} headingId="kb-search-heading">
      <form {...form.formProps((v) => setAsked(v.q.trim()))} role="search" aria-labelledby="kb-search-heading">
        <FormAlert form={form} />
        <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
          <div className="min-w-0 flex-1">
            <TextField
              id="kb-question"
              label={k.question}
              placeholder={k.questionPlaceholder}
              autoComplete="off"
              {...form.field('q')}
            />
          </div>
          <Button type="submit" className="sm:mt-7">
            <Search className="size-4" aria-hidden="true" />
            {k.search}
          </Button>
        </div>
      </form>
      <div aria-live="polite">{asked ? <SearchResults wid={wid} q={asked} names={names} /> : null}</div>
    </SectionCard>
  );
}

/* ------------------------------------------------------------------ */

export function KnowledgePage() {
  usePageTitle(k.title);
  const ws = useCurrentWorkspace();
  const canManage = hasRole(ws.role, 'admin');
  const docs = useDocuments(ws.id);
  const names = new Map((docs.data ?? []).map((d) => [d.id, d.filename]));
  return (
    <>
      <PageHeader title={k.title} description={k.description} />
      <div className="space-y-6">
        {canManage ? (
          <UploadCard wid={ws.id} />
        ) : (
          <Alert tone="info">
            <span className="inline-flex items-center gap-2">
              <Upload className="size-4" aria-hidden="true" />
              {k.membersOnly}
            </span>
          </Alert>
        )}
        <DocumentList wid={ws.id} canManage={canManage} docs={docs} />
        <SearchCard wid={ws.id} names={names} />
      </div>
    </>
  );
}
