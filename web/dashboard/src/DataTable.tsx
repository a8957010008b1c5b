// Polaris' DataTable, keyboard-scrollable: when a table is wider than its card, Polaris scrolls it in a
// container a keyboard cannot reach (axe: scrollable-region-focusable). This wrapper makes every such
// container focusable and names it after the table's headings. Same props as Polaris' DataTable.
import { useEffect, useRef, type ReactNode } from 'react';
import { DataTable as PolarisDataTable, type DataTableProps } from '@shopify/polaris';

export function DataTable(props: DataTableProps) {
  const ref = useRef<HTMLDivElement>(null);
  const name = props.headings.filter((h) => typeof h === 'string').join(', ');
  useEffect(() => {
    for (const el of ref.current?.querySelectorAll<HTMLElement>('.Polaris-DataTable__ScrollContainer') ?? []) {
      el.tabIndex = 0;
      el.setAttribute('role', 'region');
      el.setAttribute('aria-label', name);
    }
  });
  return <div ref={ref}><PolarisDataTable {...props} /></div>;
}

/** A cell of running text: Polaris keeps cells on one line, which pushes later columns out of view. */
export function TextCell({ children, minWidth = 280 }: { children: ReactNode; minWidth?: number }) {
  return <div style={{ whiteSpace: 'normal', minWidth }}>{children}</div>;
}
