/** The `info` block shared by the OpenRPC and AsyncAPI documents. */
import type { ApiModel } from './model.ts';

export interface DocumentInfo {
  /** @default "Warren API: " and the service names */
  title?: string;
  /** Version of the API (not of Warren). @default '1.0.0' */
  version?: string;
}

export function documentInfo(model: ApiModel, info: DocumentInfo = {}) {
  const names = model.services.map((s) => s.service);
  return {
    title: info.title ?? `Warren API: ${names.join(', ')}`,
    version: info.version ?? '1.0.0',
    description: model.services.map((s) => `**${s.service}**: ${s.description ?? `the ${s.service} service.`}`).join('\n\n'),
  };
}
