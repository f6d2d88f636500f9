// Draws the tray icons (resources/tray/<state>.png, 32x32 and @2x) once; the PNGs are committed.
// Shapes differ as well as colours, so the states are told apart without colour vision:
// idle = grey ring, connecting = amber ring with a dot, on-air = red disc,
// recording = red square, error = yellow triangle with a dark bar.
// Run: node scripts/make-tray-icons.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, pixel) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 4);
    for (let x = 0; x < size; x++) {
      // 4x4 supersampling for smooth edges; coordinates in 0..1.
      let cov = 0;
      let color = [0, 0, 0];
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const hit = pixel((x + (sx + 0.5) / 4) / size, (y + (sy + 0.5) / 4) / size);
          if (hit) {
            cov += 1;
            color = hit;
          }
        }
      row.set([color[0], color[1], color[2], Math.round((cov / 16) * 255)], 1 + x * 4);
    }
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

const GREY = [140, 140, 140];
const AMBER = [240, 160, 0];
const RED = [220, 30, 30];
const YELLOW = [250, 200, 20];
const DARK = [40, 40, 40];
const r = (x, y) => Math.hypot(x - 0.5, y - 0.5);

const shapes = {
  idle: (x, y) => (r(x, y) < 0.42 && r(x, y) > 0.28 ? GREY : null),
  connecting: (x, y) => (r(x, y) < 0.42 && r(x, y) > 0.3 ? AMBER : r(x, y) < 0.14 ? AMBER : null),
  'on-air': (x, y) => (r(x, y) < 0.42 ? RED : null),
  recording: (x, y) => (Math.abs(x - 0.5) < 0.34 && Math.abs(y - 0.5) < 0.34 ? RED : null),
  error: (x, y) => {
    const inside = y > 0.1 && y < 0.9 && Math.abs(x - 0.5) < (y - 0.1) * 0.55;
    if (!inside) return null;
    const bar = Math.abs(x - 0.5) < 0.06 && ((y > 0.35 && y < 0.68) || (y > 0.74 && y < 0.84));
    return bar ? DARK : YELLOW;
  },
};

const dir = join(import.meta.dirname, '..', 'resources', 'tray');
mkdirSync(dir, { recursive: true });
for (const [state, shape] of Object.entries(shapes)) {
  writeFileSync(join(dir, `${state}.png`), png(32, shape));
  writeFileSync(join(dir, `${state}@2x.png`), png(64, shape));
}
console.log(`tray icons written to ${dir}`);
