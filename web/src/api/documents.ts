/**
 * Knowledge documents (docs/api.md: POST /bff/uploads, …/documents): the
 * typed calls, and the upload of a file's bytes straight to the signed URL
 * the grant returns (piloto's own PUT /bff/uploads/{id}, or a Google Cloud
 * Storage V4 URL) with XMLHttpRequest, whose upload events give progress.
 */
import { api, ApiError, NETWORK_ERROR, toApiError } from './client';

export type DocumentStatus = 'uploading' | 'indexing' | 'ready' | 'failed';

export interface KnowledgeDocument {
  id: string;
  filename: string;
  contentType: string;
  status: DocumentStatus;
  chunks: number;
  size: number;
  version: number;
  /** When failed: a stable code and the Portuguese sentence to show. */
  reason?: string;
  reasonText?: string;
}

export interface UploadTarget {
  url: string;
  method: 'PUT';
  headers: Record<string, string>;
}

export interface DocumentChunk {
  id: number;
  ord: number;
  text: string;
}

export interface ChunksPage {
  chunks: DocumentChunk[];
  nextAfter: number | null;
}

export interface SearchHit {
  chunkId: number;
  documentId: string;
  ord: number;
  score: number;
  text: string;
}

/** The server's limits (docs/api.md, POST /bff/uploads). */
export const DOCUMENT_FILE_MAX = 20 * 1024 * 1024;
export const DOCUMENT_FILENAME_MAX = 255;
export const SEARCH_QUERY_MAX = 2000;

/** File extension -> the content type the server pairs it with (server/knowledge/doctype.c). */
const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.csv': 'text/csv',
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

/** For <input accept>. */
export const DOCUMENT_ACCEPT = Object.keys(TYPES).join(',');

/**
 * The content type to declare for a file name, from its extension (browsers
 * disagree on File.type for .md and .csv), or null when the server takes none.
 */
export function documentContentType(filename: string): string | null {
  const dot = filename.lastIndexOf('.');
  if (dot < 0) return null;
  return TYPES[filename.slice(dot).toLowerCase()] ?? null;
}

const ws = (wid: string) => `/api/v1/workspaces/${encodeURIComponent(wid)}`;
const doc = (wid: string, id: string) => `${ws(wid)}/documents/${encodeURIComponent(id)}`;

export const documentsApi = {
  list: (wid: string, signal?: AbortSignal) =>
    api
      .get<{ documents: KnowledgeDocument[] }>(`${ws(wid)}/documents`, { signal })
      .then((b) => b.documents),
  /** A new document (or a new version of the one with that name) and where to send its bytes. */
  begin: (input: { workspaceId: string; filename: string; contentType: string; size: number }) =>
    api.post<{ document: KnowledgeDocument; upload: UploadTarget }>('/bff/uploads', input),
  complete: (wid: string, id: string) =>
    api
      .post<{ document: KnowledgeDocument }>(`${doc(wid, id)}/complete`)
      .then((b) => b.document),
  remove: (wid: string, id: string) => api.delete<void>(doc(wid, id)),
  chunks: (wid: string, id: string, after: number | null, signal?: AbortSignal) =>
    api.get<ChunksPage>(
      `${doc(wid, id)}/chunks?limit=20${after !== null ? `&after=${after}` : ''}`,
      { signal },
    ),
  search: (wid: string, q: string, signal?: AbortSignal) =>
    api
      .get<{ results: SearchHit[] }>(`${ws(wid)}/documents/search?q=${encodeURIComponent(q)}`, {
        signal,
      })
      .then((b) => b.results),
};

/**
 * Sends file to the signed URL: exactly the headers the grant names, no
 * cookie, no CSRF token (the URL is the credential). onProgress gets the
 * fraction sent (0..1). Resolves when the store answered 2xx; rejects with
 * an ApiError (the store's problem+json when it sent one; GCS answers XML,
 * read as http_<status>), or an AbortError when signal aborts.
 */
export function uploadToSignedUrl(
  target: UploadTarget,
  file: Blob,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(target.method, target.url);
    xhr.withCredentials = false;
    for (const [name, value] of Object.entries(target.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve();
        return;
      }
      const res = new Response(xhr.responseText || null, {
        status: xhr.status,
        headers: { 'Content-Type': xhr.getResponseHeader('Content-Type') ?? 'text/plain' },
      });
      void toApiError(res).then(reject, reject);
    };
    xhr.onerror = () => reject(new ApiError({ status: 0, code: NETWORK_ERROR }));
    xhr.onabort = () => reject(new DOMException('upload aborted', 'AbortError'));
    if (signal) {
      if (signal.aborted) {
        xhr.abort();
        return;
      }
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(file);
  });
}
