/**
 * The label faces carry wherever a label is named: zones and lines may count `face`, and a faces pipeline lists
 * it among its labels. One constant for the pipeline service (which lists labels) and the tracker (which tracks
 * faces as their own class), so neither imports the other.
 */
export const FACE_LABEL = 'face';
