// The segmentation layer: superpackets (TSO/USO) cut into wire-sized packets in software.
export * from './constants.js';
export * from './default.js';
export * from './errors.js';
export * from './plan.js';
export * from './reject.js';
export * from './segmenter.js';
