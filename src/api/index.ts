export * from './endpoints';
export * from './experiments';
export * from './jobs';
export * from './registry';
export * from './runs';
export * from './request';
export * from './status';
export * from './types';
