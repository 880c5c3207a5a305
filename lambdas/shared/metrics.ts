import { Metrics } from '@aws-lambda-powertools/metrics';

/** The one Powertools Metrics instance (EMF): namespace tokenwarden. */
export const metrics = new Metrics({ namespace: 'tokenwarden', serviceName: 'tokenwarden' });

/** The narrow metrics type cores take: a metric, optionally with its own dimensions. */
export interface MetricSink {
  addMetric(
    name: string,
    unit: 'Count' | 'Milliseconds' | 'None',
    value: number,
    dimensions?: Record<string, string>,
  ): void;
}

/**
 * Backs MetricSink with Powertools: a metric with dimensions is written as its own EMF record
 * (`singleMetric`), so per-token and per-state values do not share the function's default dimensions.
 */
export function powertoolsSink(m: Metrics = metrics): MetricSink {
  return {
    addMetric(name, unit, value, dimensions) {
      if (dimensions) {
        const single = m.singleMetric();
        single.addDimensions(dimensions);
        single.addMetric(name, unit, value);
      } else {
        m.addMetric(name, unit, value);
      }
    },
  };
}
