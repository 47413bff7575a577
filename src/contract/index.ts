export { defineContract, isContract } from './defineContract.ts';
export type { Contract, ContractSpec, MethodSpec, EventSpec, ErrorSpec, ParamsSchema } from './defineContract.ts';
export { implement } from './implement.ts';
export type { Context, Handler, Handlers, Implementation, Logger } from './implement.ts';
export { buildRegistry } from './registry.ts';
export type { Registry, MethodEntry, EventEntry } from './registry.ts';
export { validateParams, isPositional, issuesOf } from './validateParams.ts';
export type { IssueData } from './validateParams.ts';
