/**
 * Server state of the CRM push. Keys live under the workspace's
 * (['ws', wid, 'crm', …]), so switching workspace never shows another one's
 * endpoint or deliveries, and forgetting a workspace forgets them too.
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { crmApi } from './endpoints';
import type { CrmEndpoint, CrmEvent } from './types';
import { workspaceKeys } from './workspaceQueries';

export const crmKeys = {
  endpoint: (wid: string) => [...workspaceKeys.all(wid), 'crm'] as const,
  deliveries: (wid: string) => [...workspaceKeys.all(wid), 'crm', 'deliveries'] as const,
};

/** While a delivery waits for an attempt, the log refreshes this often. */
export const CRM_LOG_POLL_MS = 5000;

export function useCrm(wid: string) {
  return useQuery({ queryKey: crmKeys.endpoint(wid), queryFn: () => crmApi.get(wid) });
}

export function useCrmDeliveries(wid: string, enabled: boolean) {
  return useInfiniteQuery({
    queryKey: crmKeys.deliveries(wid),
    queryFn: ({ pageParam, signal }) => crmApi.deliveries(wid, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor || null,
    enabled,
    refetchInterval: (q) =>
      q.state.data?.pages.some((p) => p.deliveries.some((d) => d.status === 'pending'))
        ? CRM_LOG_POLL_MS
        : false,
  });
}

/** The answer is the endpoint without its secret in the cache; the secret is the caller's to show. */
function useSetEndpoint(wid: string) {
  const qc = useQueryClient();
  return (crm: CrmEndpoint | null) => {
    if (crm) {
      const { secret: _secret, ...rest } = crm;
      qc.setQueryData(crmKeys.endpoint(wid), rest);
    } else {
      qc.setQueryData(crmKeys.endpoint(wid), null);
    }
    void qc.invalidateQueries({ queryKey: crmKeys.endpoint(wid) });
  };
}

export function useSaveCrm(wid: string) {
  const set = useSetEndpoint(wid);
  return useMutation({
    mutationFn: (input: { url: string; events: CrmEvent[]; idField?: string }) =>
      crmApi.save(wid, input),
    onSuccess: (crm) => set(crm),
  });
}

export function useRotateCrm(wid: string) {
  const set = useSetEndpoint(wid);
  return useMutation({ mutationFn: () => crmApi.rotate(wid), onSuccess: (crm) => set(crm) });
}

export function useRemoveCrm(wid: string) {
  const set = useSetEndpoint(wid);
  return useMutation({ mutationFn: () => crmApi.remove(wid), onSuccess: () => set(null) });
}

function useRefreshLog(wid: string) {
  const qc = useQueryClient();
  return () => void qc.invalidateQueries({ queryKey: crmKeys.deliveries(wid) });
}

export function useSendCrmTest(wid: string) {
  const refresh = useRefreshLog(wid);
  return useMutation({ mutationFn: () => crmApi.sendTest(wid), onSettled: refresh });
}

export function useRedeliver(wid: string) {
  const refresh = useRefreshLog(wid);
  return useMutation({ mutationFn: (id: string) => crmApi.redeliver(wid, id), onSettled: refresh });
}
