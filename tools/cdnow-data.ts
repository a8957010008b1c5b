// The CDNOW purchase log shipped with the repository (data/cdnow/, see its README): the one place that
// knows where the files are. Used by the tests, the demo, the simulator CLI and the benchmarks.
import { fileURLToPath } from 'node:url';

export const CDNOW_DIR = fileURLToPath(new URL('../data/cdnow/', import.meta.url));
/** The published 1/10 sample: 2,357 customers, 6,919 purchases (id, sample index, date, CDs, value). */
export const CDNOW_SAMPLE = CDNOW_DIR + 'CDNOW_sample.txt';
/** The whole log: 23,570 customers, 69,659 purchases (id, date, CDs, value). */
export const CDNOW_MASTER = CDNOW_DIR + 'CDNOW_master.txt';
/** End of the literature's calibration period, 1997-09-30 (39 weeks). */
export const CDNOW_CALIBRATION_END = Date.UTC(1997, 8, 30, 23, 59, 59, 999);
