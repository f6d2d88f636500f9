/** The compact main view: display, meters, controls, title, servers, AES67, log. */
import type React from 'react';
import { Display } from './Display';
import { Meters } from './Meters';
import { TransportButtons } from './TransportButtons';
import { GainSlider } from './GainSlider';
import { TitleField } from './TitleField';
import { ServerRows } from './ServerRows';
import { Aes67Status } from './Aes67Status';
import { LogPanel } from './LogPanel';
import { QuitButton } from './QuitButton';

export function MainWindow(): React.JSX.Element {
  return (
    <div className="main-window">
      <div className="top">
        <Display />
        <Meters />
      </div>
      <TransportButtons />
      <div className="row">
        <GainSlider />
      </div>
      <TitleField />
      <div className="columns">
        <ServerRows />
        <Aes67Status />
      </div>
      <LogPanel />
      <QuitButton />
    </div>
  );
}
