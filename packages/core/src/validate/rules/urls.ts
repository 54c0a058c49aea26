import type { System } from '../../types.js';
import { formatPath } from '../path.js';
import { type CheckedEntry, entryPath, error, type Finding, type Rule, warning } from '../rule.js';
import { firstUnsafeCharacter } from './control-characters.js';

// Destination URL formats per system (domain.md section 3). Messages never repeat a URL: one may carry a
// password or a stream key.

interface UrlForm {
  schemes: readonly string[];
  example: string;
}

const HTTP: UrlForm = { schemes: ['http:', 'https:'], example: 'https://host/folder/baseFilename' };

const URL_FORMS: Partial<Record<System, UrlForm>> = {
  'http-put': HTTP,
  webdav: HTTP,
  akamai: HTTP,
  mss: { schemes: ['http:', 'https:'], example: 'https://host/path' },
  rtmp: { schemes: ['rtmp:', 'rtmps:'], example: 'rtmp://host[:port]/app (or rtmps://)' },
  udp: { schemes: ['udp:', 'rtp:'], example: 'udp://ip:port or rtp://ip:port' },
  srt: { schemes: ['srt:'], example: 'srt://host:port' },
};

const HLS_SYSTEMS: readonly System[] = ['http-put', 'webdav', 'akamai'];

export const urlFormatRule: Rule = {
  reads: ['channelClass'],
  entryReads: ['urls'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      const form = URL_FORMS[checked.entry.system];
      if (form === undefined) continue;
      (checked.entry.urls ?? []).forEach((text, index) => {
        // The control-characters rule reports those; the URL parser would silently drop or encode them.
        if (firstUnsafeCharacter(text) !== undefined) return;
        const finding = checkUrl(checked, index, text, form);
        if (finding !== undefined) findings.push(finding);
      });
    }
    return findings;
  },
};

function checkUrl(checked: CheckedEntry, index: number, text: string, form: UrlForm): Finding | undefined {
  const path = entryPath(checked, 'urls', index);
  const where = `\`${formatPath(path)}\``;
  const system = checked.entry.system;
  const url = parseUrl(text);
  if (url === undefined || url.hostname === '') {
    // The URL parser refuses a port above 65535 as it refuses anything else: name what is wrong.
    const port = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(text)?.[1];
    if (port !== undefined && Number(port) > 65535) {
      const shown = port.length > 12 ? `${port.slice(0, 12)}…` : port;
      return error(
        'url.port',
        path,
        `${where} has port ${shown}: a port is 1-65535; write it as ${form.example}.`,
      );
    }
    return error('url.invalid', path, `${where} is not a valid URL: write it as ${form.example}.`);
  }
  if (!form.schemes.includes(url.protocol)) {
    const schemes = form.schemes.map((s) => `${s}//`).join(' or ');
    return error(
      'url.scheme',
      path,
      `${where} uses ${url.protocol}//, but system ${system} takes ${schemes} URLs: write it as ${form.example}.`,
    );
  }
  if (url.port === '0') {
    return error('url.port', path, `${where} has port 0: a port is 1-65535; write it as ${form.example}.`);
  }
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  // The text, not the parsed URL: a bare `?` or `#` leaves `search` and `hash` empty.
  if (HLS_SYSTEMS.includes(system) && /[?#]/.test(text)) {
    return error(
      'url.query',
      path,
      `${where} has a query string or fragment (\`?…\` or \`#…\`): MediaLive appends each file's name to this URL, so it would land inside every file name; write it as ${form.example}, and put a token in the password (\`password: { env: NAME }\`), never in the URL.`,
    );
  }
  if (HLS_SYSTEMS.includes(system) && segments.length === 0) {
    return error(
      'url.path',
      path,
      `${where} has no path: add the folder and the base file name MediaLive gives the HLS files, as in ${form.example}.`,
    );
  }
  if (system === 'rtmp') {
    if (segments.length === 0) {
      return error('url.rtmp-app', path, `${where} has no application name: write it as ${form.example}.`);
    }
    if (segments.length > 1) {
      return error(
        'url.rtmp-stream-key',
        path,
        `${where} seems to carry the stream key (a path after the application name): keep only rtmp(s)://host[:port]/app in \`urls\` and put the key in \`streamKey: { env: NAME }\`.`,
      );
    }
  }
  if (system === 'udp' && (!isIpAddress(url.hostname) || url.port === '')) {
    return error(
      'url.udp-address',
      path,
      `${where} must name an IP address and a port: write it as ${form.example}.`,
    );
  }
  if (system === 'srt' && (url.port === '' || segments.length > 0 || url.search !== '' || url.hash !== '')) {
    return error(
      'url.srt-format',
      path,
      `${where} must be exactly srt://host:port (with the port, nothing after it): give the stream ID in \`streamId\`.`,
    );
  }
  return undefined;
}

/**
 * With forward error correction MediaLive also sends to port+2 and port+4 (ML destination for UDP), so the
 * two pipelines' ports on one host need a gap.
 */
export const udpFecPortsRule: Rule = {
  reads: ['channelClass'],
  entryReads: ['urls'],
  check({ entries }) {
    const findings: Finding[] = [];
    for (const checked of entries) {
      if (checked.entry.system !== 'udp' || checked.entry.urls?.length !== 2) continue;
      const [first, second] = checked.entry.urls.map(parseUrl);
      if (first === undefined || second === undefined || first.hostname !== second.hostname) continue;
      const gap = Math.abs(Number(first.port) - Number(second.port));
      if (first.port === '' || second.port === '' || gap === 0 || gap > 4) continue;
      const path = entryPath(checked, 'urls', 1);
      findings.push(
        warning(
          'url.udp-fec-ports',
          path,
          `\`${formatPath(path)}\` uses a port within 4 of pipeline 0's on the same host; with FEC, MediaLive also sends to port+2 and port+4, so the pipelines would collide: if you enable FEC, leave a gap of at least 5 ports (e.g. 5000 and 5010) or use another address.`,
        ),
      );
    }
    return findings;
  },
};

export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function isIpAddress(hostname: string): boolean {
  if (/^\[[0-9a-fA-F:.]+\]$/.test(hostname)) return true;
  const parts = hostname.split('.');
  return parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}
