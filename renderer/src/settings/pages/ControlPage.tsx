/** The control port (BUTT's command server), the event API, and who may reach them. */
import type React from 'react';
import type { z } from 'zod';
import { SettingsSchema } from '../../../../main/settings/settings-schema';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { useDraft, type SectionName } from '../use-draft';

const SECTION = 'control';

function ControlSettings({ schema }: { schema: z.ZodType }): React.JSX.Element {
  const api = useDraft([SECTION as SectionName]);
  return (
    <>
      <SchemaForm schema={schema} value={api.draft[SECTION]} path={[SECTION]} edit={api.edit} errors={api.errors} />
      <SaveBar api={api} />
    </>
  );
}

export function ControlPage(): React.JSX.Element {
  const schema = (SettingsSchema.shape as Record<string, z.ZodType>)[SECTION];
  return (
    <>
      {schema && <ControlSettings schema={schema} />}
      <p className="muted">These are chosen when Airtight starts (airtight --help lists them all).</p>
      <dl className="facts">
        <dt>Command port (BUTT compatible)</dt>
        <dd>
          <code>-p &lt;port&gt;</code> (default: the first free of 1256-1265), <code>-U</code> over UDP, <code>-x</code> none.
        </dd>
        <dt>Network exposure</dt>
        <dd>
          127.0.0.1 only, unless started with <code>-A</code> (all interfaces); <code>--control-allow &lt;list&gt;</code> then limits who may connect.
        </dd>
        <dt>Event API (this web UI, Stream Deck)</dt>
        <dd>
          <code>--api-port &lt;port&gt;</code> (default 1280), loopback, token in the data dir; <code>--no-api</code> turns it off.
        </dd>
        <dt>Web UI</dt>
        <dd>
          <code>--ui-port &lt;port&gt;</code> serves this page on 127.0.0.1; <code>--ui-host &lt;address&gt;</code> exposes it (and the API) to the network.
        </dd>
      </dl>
    </>
  );
}
