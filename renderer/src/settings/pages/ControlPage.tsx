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
      <dl className="facts">
        <dt>Command port (BUTT compatible)</dt>
        <dd>
          <code>--port &lt;n&gt;</code> (BUTT's 1256), <code>--no-control</code> turns it off; <code>--udp</code> adds UDP.
        </dd>
        <dt>Network exposure</dt>
        <dd>
          127.0.0.1 only unless started with <code>--all-interfaces</code>; <code>--control-allow &lt;cidr&gt;</code> limits who may connect.
        </dd>
        <dt>Event API (this web UI, Stream Deck)</dt>
        <dd>
          <code>--api-port &lt;n&gt;</code> (1280), loopback only, token in the data dir; <code>--no-api</code> turns it off.
        </dd>
        <dt>Web UI</dt>
        <dd>
          <code>--ui-port &lt;n&gt;</code> serves this page on 127.0.0.1.
        </dd>
      </dl>
    </>
  );
}
