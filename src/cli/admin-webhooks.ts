import { Option, type Command } from 'commander';
import { adminAction } from './context.js';
import { JSON_OPTION, anId, checkWebhookUrl, eventTypes, listLimit } from './option-values.js';
import { createWebhookEndpoint, listWebhookEndpoints, ownsEndpoint, setWebhookEndpointEnabled } from '../webhooks/endpoints.js';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/event-types.js';
import { TEST_EVENT_TYPE } from '../webhooks/test-event.js';
import { listDeliveries } from '../webhooks/deliveries.js';
import { assertPublicTarget } from '../webhooks/private-targets.js';

/** A partner's id by the client id an operator knows it by. */
export async function partnerId(sql: Parameters<Parameters<typeof adminAction>[0]>[0]['sql'], clientId: string) {
  const [p] = await sql`select id from partners where client_id = ${clientId}`;
  if (!p) throw new Error(`no partner with client id ${clientId}`);
  return p.id as string;
}

/** No event types: every type (an empty list would print as "none"); every command that prints an endpoint formats it so. */
const EVENT_TYPES_FORMAT = { eventTypes: (types: unknown) => (Array.isArray(types) && types.length ? types.join(',') : 'all') };

const PARTNER_OPTION = ['--partner <partnerClientId>', 'the partner, by its partnerClientId (ptnr_…)', anId] as const;

/** `omni admin webhook …`: endpoints for a partner (partners can also manage their own over the API). */
export function registerWebhookAdmin(admin: Command) {
  const webhook = admin.command('webhook').description('webhook endpoints of partners (docs/webhooks.md)');
  webhook.command('add').description("register an endpoint; prints its signing secret once")
    .requiredOption(...PARTNER_OPTION).requiredOption('--url <url>', 'where events are POSTed (a public address unless WEBHOOK_ALLOW_PRIVATE_URLS)')
    .option('--events <types>', `comma-separated, each once, of: ${WEBHOOK_EVENT_TYPES.join(', ')} (default: all)`, eventTypes).option(...JSON_OPTION)
    .hook('preAction', checkWebhookUrl('--url <url>', 'url'))
    .action(adminAction<{ partner: string; url: string; events?: string[]; json?: boolean }>(async ({ sql, key, config }, o) => {
      // The URL's form and the event types were checked as the options were read; a private address needs the configuration.
      assertPublicTarget(o.url, config.WEBHOOK_ALLOW_PRIVATE_URLS);
      const created = await createWebhookEndpoint(sql, await key(), await partnerId(sql, o.partner), { url: o.url, eventTypes: o.events ?? [] });
      return { id: created.id, url: created.url, eventTypes: created.eventTypes, secret: created.secret };
    }, EVENT_TYPES_FORMAT));
  webhook.command('list').description("a partner's enabled endpoints (never their secrets); --all adds the disabled ones, with who disabled each and why")
    .requiredOption(...PARTNER_OPTION).option('--all', 'also list disabled endpoints (`webhook enable` resumes one an operator or Omni disabled)').option(...JSON_OPTION)
    .action(adminAction<{ partner: string; all?: boolean; json?: boolean }>(async ({ sql }, o) => ({
      endpoints: await listWebhookEndpoints(sql, await partnerId(sql, o.partner), o.all ? 'all' : 'enabled'),
    }), EVENT_TYPES_FORMAT));
  webhook.command('deliveries').description("a partner's deliveries, newest first, with their status, attempts and last error (to find a broken endpoint)")
    .requiredOption(...PARTNER_OPTION)
    .addOption(new Option('--status <status>', 'only deliveries in this status').choices(['PENDING', 'RETRYING', 'SUCCEEDED', 'EXHAUSTED']))
    .addOption(new Option('--event-type <type>', 'only deliveries of this event type').choices([...WEBHOOK_EVENT_TYPES, TEST_EVENT_TYPE]))
    .option('--endpoint <endpointId>', 'only deliveries to this endpoint (we_…; a disabled one\'s too)', anId)
    .option('--limit <n>', 'how many, 1 to 100', listLimit, 20).option(...JSON_OPTION)
    .action(adminAction<{ partner: string; status?: string; eventType?: string; endpoint?: string; limit: number; json?: boolean }>(async ({ sql }, o) => {
      const filter = { status: o.status, eventType: o.eventType, endpointId: o.endpoint, page: 1, limit: o.limit };
      const partner = await partnerId(sql, o.partner);
      // As the API refuses it (WHK_001): a mistyped id listed nothing, as if the endpoint had had no deliveries.
      if (o.endpoint && !(await ownsEndpoint(sql, partner, o.endpoint))) {
        throw new Error(`partner ${o.partner} has no webhook endpoint ${o.endpoint}: \`omni admin webhook list --partner ${o.partner} --all\` lists its endpoints (we_…)`);
      }
      const { total, items } = await listDeliveries(sql, partner, filter);
      // Each attempt's log is the partner API's (GET /api/v1/partner/webhooks/deliveries); the last error says enough here.
      return { total, deliveries: items.map(({ attemptLog: _, ...d }) => d) };
    }));
  const toggle = (enabled: boolean) => (endpointId: string, o: { json?: boolean }) => adminAction<{ json?: boolean }>(async ({ sql }) => {
    const endpoint = await setWebhookEndpointEnabled(sql, endpointId.trim(), enabled);
    if (!endpoint) throw new Error(`no webhook endpoint ${endpointId}: \`omni admin webhook list --partner ptnr_… --all\` lists a partner's endpoints with their ids (we_…)`);
    if (enabled && endpoint.deletedByPartner) {
      throw new Error(`webhook endpoint ${endpoint.id} was deleted by its partner (${endpoint.partnerClientId}), not disabled by an operator: it stays off; the partner registers a new one, or \`omni admin webhook add\` does`);
    }
    if (enabled && endpoint.pausedByPartner) {
      throw new Error(`webhook endpoint ${endpoint.id} was paused by its partner (${endpoint.partnerClientId}): it stays off until the partner resumes it (PATCH it with enabled: true)`);
    }
    const { deletedByPartner: _, pausedByPartner: __, ...shown } = endpoint;
    return shown;
  }, EVENT_TYPES_FORMAT)(o);
  webhook.command('disable').argument('<endpointId>', 'the endpoint, by the id `webhook add` or `webhook list` printed (we_…)', anId)
    .description('stop deliveries to a (broken) endpoint: no new ones, and its scheduled retries end when they come due; `webhook enable` resumes. '
      + 'One Omni disabled or its partner paused becomes the operator\'s: its partner can no longer enable it')
    .option(...JSON_OPTION).action(toggle(false));
  webhook.command('enable').argument('<endpointId>', 'the endpoint, by its id (we_…; `webhook list --all` shows disabled ones)', anId)
    .description('deliver to a disabled endpoint again (one an operator disabled, or Omni: answered 410 Gone, or failing too long): '
      + 'the events written from now on (a partner can redeliver earlier ones); an endpoint its partner deleted or paused stays off')
    .option(...JSON_OPTION).action(toggle(true));
}
