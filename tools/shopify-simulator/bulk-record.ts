// The state of one bulk operation as the simulator keeps it (GraphQL BulkOperation mirrors it).
export type BulkStatus = 'CREATED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'EXPIRED';

export interface BulkOperationRecord {
  id: string;
  gid: string;
  shopId: string;
  installationId: string;
  type: 'QUERY' | 'MUTATION';
  status: BulkStatus;
  errorCode: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
  query: string;
  createdAt: number;
  completedAt: number | null;
}

export function isRunning(op: BulkOperationRecord): boolean {
  return op.status === 'CREATED' || op.status === 'RUNNING' || op.status === 'CANCELING';
}
