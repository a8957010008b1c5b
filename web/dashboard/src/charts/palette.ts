// Colours close to Polaris' data-visualisation palette, readable on white.
export const SERIES_COLOURS = ['#2c6ecb', '#47c1bf', '#f49342', '#9c6ade', '#50b83c', '#de3618', '#eec200', '#5c6ac4', '#007ace', '#8a6116', '#637381', '#b4a0f2', '#212b36'];
export const colourAt = (i: number): string => SERIES_COLOURS[i % SERIES_COLOURS.length]!;
