/**
 * What a worker or scheduler process sends its parent once started, over an IPC channel if it
 * was spawned with one: such a process serves no HTTP a parent could probe.
 */
export const READY_MESSAGE = 'herald:ready';
