/**
 * Server state of the knowledge documents, under the workspace's keys
 * (['ws', wid, 'documents', …]): switching workspace never shows another
 * one's documents, and forgetting a workspace forgets them too.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { documentsApi, type KnowledgeDocument } from './documents';
import { workspaceKeys } from './workspaceQueries';

export const documentKeys = {
  list: (wid: string) => [...workspaceKeys.all(wid), 'documents'] as const,
  chunks: (wid: string, id: string, version: number) =>
    [...workspaceKeys.all(wid), 'documents', id, version, 'chunks'] as const,
  search: (wid: string, q: string) => [...workspaceKeys.all(wid), 'documents', 'search', q] as const,
};

/** While a document is being indexed, the list refreshes this often. */
export const DOCUMENTS_POLL_MS = 2000;

export function isBusy(d: KnowledgeDocument): boolean {
  return d.status === 'indexing';
}

export function useDocuments(wid: string) {
  return useQuery({
    queryKey: documentKeys.list(wid),
    queryFn: ({ signal }) => documentsApi.list(wid, signal),
    refetchInterval: (q) => (q.state.data?.some(isBusy) ? DOCUMENTS_POLL_MS : false),
  });
}

export function useChunks(wid: string, doc: KnowledgeDocument) {
  return useInfiniteQuery({
    queryKey: documentKeys.chunks(wid, doc.id, doc.version),
    queryFn: ({ pageParam, signal }) => documentsApi.chunks(wid, doc.id, pageParam, signal),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.nextAfter,
  });
}

export function useSearch(wid: string, q: string) {
  return useQuery({
    queryKey: documentKeys.search(wid, q),
    queryFn: ({ signal }) => documentsApi.search(wid, q, signal),
    enabled: q.length > 0,
    staleTime: 0,
  });
}

/** Puts a document as the server last described it into the cached list (newest first). */
export function useStoreDocument(wid: string) {
  const qc = useQueryClient();
  return (d: KnowledgeDocument) => {
    qc.setQueryData<KnowledgeDocument[]>(documentKeys.list(wid), (list) => {
      const rest = (list ?? []).filter((x) => x.id !== d.id);
      return [d, ...rest];
    });
  };
}

export function useDeleteDocument(wid: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => documentsApi.remove(wid, id),
    onSuccess: (_v, id) => {
      qc.setQueryData<KnowledgeDocument[]>(documentKeys.list(wid), (list) =>
        (list ?? []).filter((x) => x.id !== id),
      );
      void qc.invalidateQueries({ queryKey: documentKeys.list(wid) });
    },
  });
}
