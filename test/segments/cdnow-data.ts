// Locates the shared CDNOW data set (../shared/datasets/cdnow beside the repository).
import { fileURLToPath } from 'node:url';

export const CDNOW_DIR = fileURLToPath(new URL('../../../shared/datasets/cdnow/', import.meta.url));
export const CDNOW_SAMPLE = CDNOW_DIR + 'CDNOW_sample.txt';
export const CDNOW_MASTER = CDNOW_DIR + 'CDNOW_master.txt';
/** End of the literature's calibration period, 1997-09-30 (39 weeks). */
export const CDNOW_CALIBRATION_END = Date.UTC(1997, 8, 30, 23, 59, 59, 999);
