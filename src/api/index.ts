export * from './experiments';
export * from './request';
export * from './status';
export * from './types';
