import type { ComponentType, ReactNode } from 'react';
import { PageHeader } from '@/components/PageHeader';
import { Badge } from '@/components/ui/Badge';
import { EmptyState } from '@/components/ui/EmptyState';
import { t } from '@/i18n';
import { usePageTitle } from '@/lib/usePage';

/** A section that is not built yet: says so honestly. */
export function PlaceholderPage({
  title,
  heading,
  text,
  icon,
  action,
}: {
  title: string;
  heading: string;
  text: string;
  icon: ComponentType<{ className?: string; 'aria-hidden'?: boolean | 'true' }>;
  action?: ReactNode;
}) {
  usePageTitle(title);
  return (
    <>
      <PageHeader title={title} />
      <EmptyState
        icon={icon}
        title={heading}
        badge={<Badge tone="brand">{t.common.comingSoon}</Badge>}
        action={action}
      >
        {text}
      </EmptyState>
    </>
  );
}
