/** Warren codegen's public surface: contracts in; SDK, JSON Schemas, OpenRPC and AsyncAPI out. */
export { generate } from './generate.ts';
export type { GenerateOptions } from './generate.ts';
export type { DocumentInfo } from './documentInfo.ts';
export { buildModel } from './model.ts';
export type { ApiModel, ServiceModel, MethodModel, EventModel, ErrorModel, Message } from './model.ts';
export { renderOpenRpc } from './renderOpenRpc.ts';
export { renderAsyncApi } from './renderAsyncApi.ts';
export { CodegenError } from './CodegenError.ts';
export { writeOutput, readOutput } from './writeOutput.ts';
export { compareOutput, diffSummary, formatDifferences } from './compareOutput.ts';
export type { Difference } from './compareOutput.ts';
