/**
 * The `daemon` and `http` sections of config.json: the running daemon (its stop deadline,
 * heartbeat, stuck-step limit, compile debounce, inbox watching) and its listener (health,
 * metrics and the review page, with its access token).
 */
import { z } from 'zod';
import { parseListenAddress } from './listen-address.ts';
import { unset } from './schema-parts.ts';

export const Daemon = z
  .strictObject({
    stop_timeout_ms: z
      .number()
      .int()
      .min(1000)
      .default(60_000)
      .describe(
        "On SIGTERM/SIGINT, the time allowed for the step in progress to finish; at this deadline it and its API calls are aborted (the next start resumes it). Keep it a few seconds below the service manager's stop timeout.",
      ),
    heartbeat_ms: z
      .number()
      .int()
      .min(100)
      .default(10_000)
      .describe('How often the daemon writes its heartbeat file (.slicebatch/heartbeat.json).'),
    stuck_after_ms: z
      .number()
      .int()
      .min(1000)
      .default(30 * 60 * 1000)
      .describe(
        'A step (a poll tick with its downloads, a conversion) running longer than this makes the daemon unhealthy (slicebatch health, /healthz).',
      ),
    compile_debounce_ms: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('Quiet time after the last download before the dataset is compiled again.'),
    watch: z
      .strictObject({
        stable_ms: z
          .number()
          .int()
          .min(0)
          .default(2000)
          .describe(
            'A file written in place is taken once its size and time have not changed for this long.',
          ),
        rescan_ms: z
          .number()
          .int()
          .min(1000)
          .default(60_000)
          .describe(
            'A full rescan of the inbox this often (an event lost by the OS is only a delay).',
          ),
        polling: z
          .boolean()
          .default(false)
          .describe(
            'Poll the file system instead of using OS events (NFS/SMB and some container mounts).',
          ),
        polling_interval_ms: z.number().int().min(100).default(2000),
      })
      .prefault({}),
  })
  .prefault({});

export const Http = z
  .strictObject({
    listen: unset(
      z
        .string()
        .min(1)
        .superRefine((listen, ctx) => {
          const address = parseListenAddress(listen);
          if (typeof address === 'string') ctx.addIssue({ code: 'custom', message: address });
        }),
    ).describe(
      'host:port of the health and metrics listener (GET /healthz, GET /metrics) and the review page; off when unset. Keep it on loopback.',
    ),
    token_file: unset(z.string().min(1)).describe(
      'A file holding the access token of the listener and the review page (Authorization: Bearer, or ?token= once in a browser); required when "listen" is not on loopback.',
    ),
  })
  .prefault({});
