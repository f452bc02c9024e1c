/** Baton's CDK constructs, for platform teams that embed Baton in their own CDK app. */
export { Baton, type BatonProps, type BatonThrottle } from './baton';
export { BatonMonitoring, type BatonMonitoringProps } from './baton-monitoring';
export { BatonState, type BatonStateProps } from './baton-state';
