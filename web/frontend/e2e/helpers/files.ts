// Reading downloaded files back as a spreadsheet user would: CSV with Node, xlsx with Python's
// openpyxl (Debian's python3-openpyxl) — and checking that no secret of the appliance's database
// (password hashes, reset-token hashes, the boards' MQTT secret hashes) nor one the test names
// (a board's MQTT secret as issued, the settings' secret key) is anywhere in them.
import { execFileSync } from 'node:child_process';

const READ = String.raw`
import io, json, sqlite3, sys, zipfile
path, db, kind, extra = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
data = open(path, 'rb').read()
out = {}
if kind == 'xlsx':
    import openpyxl
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    out['sheets'] = {ws.title: [[('' if c is None else str(c)) for c in row] for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        text = ''.join(z.read(n).decode('utf-8', 'replace') for n in z.namelist())
else:
    text = data.decode('utf-8')
con = sqlite3.connect('file:' + db + '?mode=ro', uri=True)
secrets = [r[0] for r in con.execute('SELECT password_hash FROM users WHERE password_hash IS NOT NULL')]
secrets += [r[0] for r in con.execute('SELECT token_hash FROM password_reset_tokens')]
secrets += [r[0] for r in con.execute('SELECT secret_hash FROM board_accounts')]
secrets += extra
out['secrets_checked'] = len(secrets)
out['secrets_found'] = [s[:12] for s in secrets if s and s in text]
print(json.dumps(out))
`;

export interface Inspected {
  sheets?: Record<string, string[][]>;
  secrets_checked: number;
  secrets_found: string[];
}

export function inspectDownload(file: string, dbPath: string, kind: 'csv' | 'xlsx' | 'json', extraSecrets: string[] = []): Inspected {
  const out = execFileSync('/usr/bin/python3', ['-c', READ, file, dbPath, kind, JSON.stringify(extraSecrets)], { encoding: 'utf8' });
  return JSON.parse(out) as Inspected;
}

/** Rows of a CSV text (RFC 4180: quotes, doubled quotes, line breaks in quotes); `separator`
 *  ';' for the Italian export. */
export function parseCsv(text: string, separator = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === separator) {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && src[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
