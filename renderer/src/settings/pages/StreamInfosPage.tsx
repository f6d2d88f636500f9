/** Stream infos (name, genre, URL... sent as ice-/icy- headers) and how titles are updated. */
import type React from 'react';
import { StreamInfoSchema } from '../../../../main/settings/server-settings-schema';
import { SongSettingsSchema } from '../../../../main/settings/song-settings-schema';
import { ObjectList, freshName } from '../ObjectList';
import { SaveBar } from '../SaveBar';
import { SchemaForm } from '../SchemaForm';
import { useDraft } from '../use-draft';

export function StreamInfosPage(): React.JSX.Element {
  const api = useDraft(['stream', 'song']);
  const stream = api.draft.stream as { streamInfos: Record<string, unknown>[] };
  return (
    <>
      <ObjectList
        title="Stream infos"
        itemSchema={StreamInfoSchema}
        items={stream.streamInfos}
        path={['stream', 'streamInfos']}
        edit={api.edit}
        errors={api.errors}
        newItem={(names) => StreamInfoSchema.parse({ name: freshName('Station', names) })}
      />
      <fieldset className="group">
        <legend>Title updates</legend>
        <SchemaForm schema={SongSettingsSchema} value={api.draft.song} path={['song']} edit={api.edit} errors={api.errors} />
      </fieldset>
      <SaveBar api={api} />
    </>
  );
}
