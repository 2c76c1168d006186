import { useEffect, useRef } from 'react';
import { t } from '@/i18n';

/** Sets the document title for a page. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    document.title = t.app.pageTitle(title);
  }, [title]);
}

/**
 * A ref for the page's <h1>: focused when the page mounts, so a screen
 * reader announces the new page after a client-side navigation.
 */
export function useFocusOnMount<T extends HTMLElement>(enabled = true) {
  const ref = useRef<T>(null);
  useEffect(() => {
    if (enabled) ref.current?.focus({ preventScroll: false });
  }, [enabled]);
  return ref;
}
