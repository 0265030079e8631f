// The server's source, not its dist build: a benchmark must measure the code in this tree, never a stale build.
export * from '../../../packages/server/src/index'
