/** Lays images of one size out in a grid (row by row), for contact sheets and slit images. */
import cv, { type Mat } from './opencv';

export function tile(images: readonly Mat[], columns: number): Mat {
  const { rows: h, cols: w, type } = images[0];
  const gridRows = Math.ceil(images.length / columns);
  const sheet = new cv.Mat(gridRows * h, Math.min(columns, images.length) * w, type, [0, 0, 0]);
  images.forEach((image, i) => image.copyTo(sheet.getRegion(new cv.Rect((i % columns) * w, Math.floor(i / columns) * h, w, h))));
  return sheet;
}
