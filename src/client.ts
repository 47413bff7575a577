/** `warren/client`: the client runtime, the same module as the `warren-client` package. */
export * from 'warren-client';
