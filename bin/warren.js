#!/usr/bin/env node
// Registers tsx so that service modules and Warren itself load as TypeScript without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
