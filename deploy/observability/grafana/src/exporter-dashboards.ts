import { dashboard, promQueries, promVariable, row, timeseries } from './builders.ts';

/**
 * Dashboards for the exporters Dynamo deployments run beside the services: NVIDIA DCGM (GPU) and KVBM
 * (KV block manager, reference §7.6). Metric names are the exporters' own; the KVBM panels are Dynamo's
 * kvbm.json panels with an instance filter.
 */

const gpu = 'Hostname=~"$hostname", gpu=~"$gpu"';

export function gpuDashboard(): Record<string, unknown> {
  const byGpu = '{{Hostname}} GPU {{gpu}}';
  return dashboard({
    uid: 'dynotel-gpu',
    title: 'GPU (DCGM exporter)',
    description: 'NVIDIA GPU utilisation, memory, power and errors from dcgm-exporter (job dcgm-exporter).',
    tags: ['dynotel', 'gpu', 'dcgm'],
    variables: [
      promVariable('hostname', 'label_values(DCGM_FI_DEV_GPU_UTIL, Hostname)', { label: 'Host' }),
      promVariable('gpu', 'label_values(DCGM_FI_DEV_GPU_UTIL{Hostname=~"$hostname"}, gpu)', { label: 'GPU' }),
    ],
    panels: [
      row('Utilisation'),
      timeseries('GPU utilisation', promQueries([`DCGM_FI_DEV_GPU_UTIL{${gpu}}`, { legend: byGpu }]), {
        unit: 'percent',
        min: 0,
        max: 100,
      }),
      timeseries(
        'Memory copy utilisation',
        promQueries([`DCGM_FI_DEV_MEM_COPY_UTIL{${gpu}}`, { legend: byGpu }]),
        {
          unit: 'percent',
          min: 0,
          max: 100,
        },
      ),
      timeseries(
        'Graphics engine and tensor pipe active',
        promQueries(
          [`DCGM_FI_PROF_GR_ENGINE_ACTIVE{${gpu}}`, { legend: `${byGpu} engine` }],
          [`DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{${gpu}}`, { legend: `${byGpu} tensor` }],
        ),
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          description: 'Profiling counters; present only when dcgm-exporter collects them.',
        },
      ),
      timeseries('SM clock', promQueries([`DCGM_FI_DEV_SM_CLOCK{${gpu}}`, { legend: byGpu }]), {
        unit: 'rothz',
      }),
      row('Memory and KV cache'),
      timeseries(
        'Framebuffer memory',
        promQueries(
          [`DCGM_FI_DEV_FB_USED{${gpu}}`, { legend: `${byGpu} used` }],
          [`DCGM_FI_DEV_FB_FREE{${gpu}}`, { legend: `${byGpu} free` }],
        ),
        { unit: 'decmbytes', stack: true },
      ),
      timeseries(
        'KV cache usage (Dynamo workers)',
        promQueries([
          'max by (model, dynamo_component, dp_rank) (dynamo_component_gpu_cache_usage_percent)',
          { legend: '{{model}} {{dynamo_component}} rank {{dp_rank}}' },
        ]),
        {
          unit: 'percentunit',
          min: 0,
          max: 1,
          description: 'dynamo_component_gpu_cache_usage_percent (0-1) from the engine.',
        },
      ),
      row('Power, temperature, errors'),
      timeseries('Power', promQueries([`DCGM_FI_DEV_POWER_USAGE{${gpu}}`, { legend: byGpu }]), {
        unit: 'watt',
      }),
      timeseries('Temperature', promQueries([`DCGM_FI_DEV_GPU_TEMP{${gpu}}`, { legend: byGpu }]), {
        unit: 'celsius',
      }),
      timeseries(
        'XID errors (last value)',
        promQueries([`DCGM_FI_DEV_XID_ERRORS{${gpu}}`, { legend: byGpu }]),
        {
          description: 'The last XID error code; non-zero means the driver reported a GPU fault.',
        },
      ),
      timeseries(
        'PCIe replays / sec',
        promQueries([`rate(DCGM_FI_DEV_PCIE_REPLAY_COUNTER{${gpu}}[$__rate_interval])`, { legend: byGpu }]),
      ),
    ],
  });
}

const kvbmInstance = 'instance=~"$instance"';

function kvbmPanel(title: string, metric: string) {
  return timeseries(title, promQueries([`${metric}{${kvbmInstance}}`, { legend: '{{instance}}' }]));
}

export function kvbmDashboard(): Record<string, unknown> {
  return dashboard({
    uid: 'dynotel-kvbm',
    title: 'KVBM (KV block manager)',
    description:
      "Dynamo's kvbm.json panels (cache hit rates, offload and onboard blocks) for the kvbm-metrics job.",
    tags: ['dynotel', 'kvbm', 'dynamo'],
    variables: [
      promVariable('instance', 'label_values(kvbm_matched_tokens, instance)', { label: 'Instance' }),
    ],
    panels: [
      row('Cache Hit'),
      kvbmPanel('Host Cache Hit Rate', 'kvbm_host_cache_hit_rate'),
      kvbmPanel('Disk Cache Hit Rate', 'kvbm_disk_cache_hit_rate'),
      kvbmPanel('Matched Tokens', 'kvbm_matched_tokens'),
      row('Offload'),
      kvbmPanel('Offload - Device to Host', 'kvbm_offload_blocks_d2h'),
      kvbmPanel('Offload - Host to Disk', 'kvbm_offload_blocks_h2d'),
      kvbmPanel('Offload - Device to Disk (Bypass Host)', 'kvbm_offload_blocks_d2d'),
      row('Onboard'),
      kvbmPanel('Onboard - Host to Device', 'kvbm_onboard_blocks_h2d'),
      kvbmPanel('Onboard - Disk to Device', 'kvbm_onboard_blocks_d2d'),
    ],
  });
}
