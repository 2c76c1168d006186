import type { ReactNode } from 'react';
import { Card, CardHeader } from '@/components/ui/Card';

/** A card holding a list: heading and description on top, the rows edge to edge. */
export function ListCard({
  headingId,
  title,
  description,
  action,
  children,
}: {
  headingId: string;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card className="overflow-hidden">
      <section aria-labelledby={headingId}>
        <CardHeader headingId={headingId} title={title} description={description} action={action} />
        {children}
      </section>
    </Card>
  );
}
