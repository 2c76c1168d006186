import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * After a failed submit, moves focus to the first invalid field (or the
 * form's error alert), once React has rendered the messages.
 */
export function useErrorFocus<T extends HTMLElement = HTMLFormElement>() {
  const formRef = useRef<T>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (tick === 0) return;
    const root = formRef.current;
    const target =
      root?.querySelector<HTMLElement>('[aria-invalid="true"]') ??
      root?.querySelector<HTMLElement>('[role="alert"]');
    target?.focus();
  }, [tick]);

  const focusError = useCallback(() => setTick((n) => n + 1), []);
  return { formRef, focusError };
}
