/** Lookup tables from wire names to contract entries, shared by gateway and worker. */
import type { Contract, ErrorSpec, EventSpec, MethodSpec } from './defineContract.ts';

export interface MethodEntry {
  wireName: string;
  name: string;
  contract: Contract;
  spec: MethodSpec;
}

export interface EventEntry {
  wireName: string;
  name: string;
  contract: Contract;
  spec: EventSpec;
}

export interface Registry {
  methods: Map<string, MethodEntry>;
  events: Map<string, EventEntry>;
  /** Declared errors by code, per service. */
  errors: Map<string, Map<number, ErrorSpec & { name: string }>>;
}

export function buildRegistry(contracts: readonly Contract[]): Registry {
  const registry: Registry = { methods: new Map(), events: new Map(), errors: new Map() };
  const services = new Set<string>();
  for (const contract of contracts) {
    if (services.has(contract.service)) throw new TypeError(`Two contracts name the service "${contract.service}"`);
    services.add(contract.service);
    for (const [name, spec] of Object.entries(contract.methods)) {
      const wireName = `${contract.service}.${name}`;
      registry.methods.set(wireName, { wireName, name, contract, spec });
    }
    for (const [name, spec] of Object.entries(contract.events ?? {})) {
      const wireName = `${contract.service}.${name}`;
      registry.events.set(wireName, { wireName, name, contract, spec });
    }
    const errors = new Map<number, ErrorSpec & { name: string }>();
    for (const [name, spec] of Object.entries(contract.errors ?? {})) errors.set(spec.code, { ...spec, name });
    registry.errors.set(contract.service, errors);
  }
  return registry;
}
