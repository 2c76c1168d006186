import {
  forwardRef,
  useState,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
} from 'react';
import { AlertCircle, ChevronDown, Eye, EyeOff } from 'lucide-react';
import { t } from '@/i18n';
import { cn } from '@/lib/cn';

export function inputClasses(invalid: boolean, className?: string) {
  return cn(
    'block h-10 w-full rounded-lg border bg-white px-3 text-sm text-slate-900 shadow-xs transition-colors',
    'placeholder:text-slate-400 disabled:cursor-not-allowed disabled:bg-slate-50 disabled:text-slate-500',
    'read-only:bg-slate-50 read-only:text-slate-600',
    'focus:outline-2 focus:-outline-offset-1',
    invalid
      ? 'border-red-400 focus:outline-red-500'
      : 'border-slate-300 hover:border-slate-400 focus:outline-brand-600',
    className,
  );
}

interface FieldShellProps {
  id: string;
  label: ReactNode;
  error?: string | null;
  hint?: ReactNode;
  /** Shown next to the label (e.g. a "forgot password?" link). */
  labelAside?: ReactNode;
  children: (aria: {
    id: string;
    'aria-invalid': boolean | undefined;
    'aria-describedby': string | undefined;
  }) => ReactNode;
}

/** Label, control, hint and error, wired for screen readers. */
export function FieldShell({ id, label, error, hint, labelAside, children }: FieldShellProps) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="space-y-1.5">
      <div className="flex items-baseline justify-between gap-3">
        <label htmlFor={id} className="block text-sm font-medium text-slate-800">
          {label}
        </label>
        {labelAside}
      </div>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error ? (
        <p id={errorId} className="flex items-start gap-1.5 text-sm text-red-700">
          <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden="true" />
          <span>{error}</span>
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export interface TextFieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  id: string;
  label: ReactNode;
  error?: string | null;
  hint?: ReactNode;
  labelAside?: ReactNode;
}

export const TextField = forwardRef<HTMLInputElement, TextFieldProps>(function TextField(
  { id, label, error, hint, labelAside, className, ...input },
  ref,
) {
  return (
    <FieldShell id={id} label={label} error={error} hint={hint} labelAside={labelAside}>
      {(aria) => (
        <input ref={ref} {...input} {...aria} className={inputClasses(!!error, className)} />
      )}
    </FieldShell>
  );
});

export const PasswordField = forwardRef<HTMLInputElement, Omit<TextFieldProps, 'type'>>(
  function PasswordField({ id, label, error, hint, labelAside, className, ...input }, ref) {
    const [visible, setVisible] = useState(false);
    return (
      <FieldShell id={id} label={label} error={error} hint={hint} labelAside={labelAside}>
        {(aria) => (
          <div className="relative">
            <input
              ref={ref}
              type={visible ? 'text' : 'password'}
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              {...input}
              {...aria}
              className={inputClasses(!!error, cn('pr-11', className))}
            />
            <button
              type="button"
              onClick={() => setVisible((v) => !v)}
              aria-controls={id}
              aria-pressed={visible}
              aria-label={visible ? t.common.hidePassword : t.common.showPassword}
              title={visible ? t.common.hidePassword : t.common.showPassword}
              className="absolute inset-y-0 right-0 flex w-10 items-center justify-center rounded-r-lg text-slate-500 hover:text-slate-800 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-brand-600"
            >
              {visible ? (
                <EyeOff className="size-4" aria-hidden="true" />
              ) : (
                <Eye className="size-4" aria-hidden="true" />
              )}
            </button>
          </div>
        )}
      </FieldShell>
    );
  },
);

export function Checkbox({
  id,
  label,
  hint,
  ...input
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'id'> & {
  id: string;
  label: ReactNode;
  hint?: ReactNode;
}) {
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className="flex items-start gap-2.5">
      <input
        id={id}
        type="checkbox"
        aria-describedby={hintId}
        className="mt-0.5 size-4 shrink-0 rounded border-slate-300 accent-brand-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
        {...input}
      />
      <div className="text-sm leading-5">
        <label htmlFor={id} className="font-medium text-slate-800">
          {label}
        </label>
        {hint ? (
          <p id={hintId} className="text-xs text-slate-500">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

export interface SelectFieldProps extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'id'> {
  id: string;
  label: ReactNode;
  error?: string | null;
  hint?: ReactNode;
  options: readonly { value: string; label: string }[];
}

/** A native <select> (keyboard and mobile pickers for free) in the field frame. */
export function SelectField({ id, label, error, hint, options, className, ...select }: SelectFieldProps) {
  return (
    <FieldShell id={id} label={label} error={error} hint={hint}>
      {(aria) => (
        <div className="relative">
          <select
            {...select}
            {...aria}
            className={inputClasses(!!error, cn('appearance-none pr-9', className))}
          >
            {options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
          <ChevronDown
            className="pointer-events-none absolute top-1/2 right-3 size-4 -translate-y-1/2 text-slate-400"
            aria-hidden="true"
          />
        </div>
      )}
    </FieldShell>
  );
}
