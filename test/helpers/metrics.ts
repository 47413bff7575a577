/**
 * Reading a Prometheus scrape in tests with a text-format parser package
 * (parse-prometheus-text-format), never with regular expressions.
 *
 * That parser reads counters and gauges, labels and all, but not a histogram with labels: it
 * merges their buckets and drops their `_sum` and `_count`. Histograms with labels are read
 * from the registry itself (histogramCount) where the test holds it, and only their family's
 * type is checked over a scrape.
 */
import parsePrometheusTextFormat, { type Family, type Sample } from 'parse-prometheus-text-format';
import type { Registry } from 'prom-client';

export type { Family, Sample };

export interface Scrape {
  text: string;
  families: Family[];
}

/** GETs a /metrics URL; checks the status and the content type, returns the text and the parsed families. */
export async function scrapeText(url: string): Promise<Scrape> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain; version=0.0.4')) throw new Error(`GET ${url}: content type ${type}`);
  const text = await response.text();
  return { text, families: parsePrometheusTextFormat(text) };
}

export async function scrape(url: string): Promise<Family[]> {
  return (await scrapeText(url)).families;
}

/** Time series in a scrape: its sample lines (every line that is neither empty nor a comment). */
export function seriesCount(text: string): number {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#')).length;
}

/** The observation count of one labelled histogram child, read from the registry. */
export async function histogramCount(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { metricName?: string; labels: Record<string, unknown>; value: number }[];
  const found = values.filter(
    (v) => v.metricName === `${name}_count` && Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  if (found.length !== 1) throw new Error(`${name}_count ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]!.value;
}

export function family(families: readonly Family[], name: string): Family | undefined {
  return families.find((f) => f.name === name);
}

/** The samples of a family whose labels include `labels`. */
export function samples(families: readonly Family[], name: string, labels: Record<string, string> = {}): Sample[] {
  return (family(families, name)?.metrics ?? []).filter((sample) => Object.entries(labels).every(([k, v]) => sample.labels?.[k] === v));
}

/** The value of the one sample of a counter or gauge with these labels; 0 when there is none. */
export function value(families: readonly Family[], name: string, labels: Record<string, string> = {}): number {
  const found = samples(families, name, labels);
  if (found.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found.length === 0 ? 0 : Number(found[0]!.value);
}

/** The sum of every sample of a counter with these labels. */
export function total(families: readonly Family[], name: string, labels: Record<string, string> = {}): number {
  return samples(families, name, labels).reduce((sum, sample) => sum + Number(sample.value), 0);
}

