// Renders one sheet of a workbook as an HTML page that looks like the spreadsheet (column letters, row numbers,
// grid, number formats, bold header and totals), for the README's pictures. Not part of the product.
//
//   npx tsx test/support/render-xlsx.ts report.xlsx 日结汇总 [E21] > /tmp/sheet.html   (E21: the cell shown selected)
//   chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,560 \
//     --screenshot=docs/images/daily-settlement.png /tmp/sheet.html
import ExcelJS from 'exceljs';

const [file, sheetName, selected] = process.argv.slice(2);
if (!file || !sheetName) throw new Error('usage: render-xlsx.ts FILE.xlsx SHEET');

const wb = new ExcelJS.Workbook();
await wb.xlsx.readFile(file);
const ws = wb.getWorksheet(sheetName);
if (!ws) throw new Error(`no sheet ${sheetName}`);

const html = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function shown(cell: ExcelJS.Cell): { text: string; number: boolean } {
  const v = cell.value as unknown;
  const value =
    v && typeof v === 'object' && 'formula' in v ? (v as unknown as { result: unknown }).result : v;
  if (typeof value === 'number') {
    const decimals = cell.numFmt?.includes('0.00') ? 2 : 0;
    return {
      text: value.toLocaleString('en-US', {
        minimumFractionDigits: decimals,
        maximumFractionDigits: decimals,
      }),
      number: true,
    };
  }
  if (value instanceof Date)
    return { text: value.toISOString().slice(0, 19).replace('T', ' '), number: true };
  return { text: value === null || value === undefined ? '' : String(value), number: false };
}

const columns = ws.columnCount;
const letters = Array.from({ length: columns }, (_, i) => String.fromCharCode(65 + i));
const widths = letters.map((_, i) => Math.round((ws.getColumn(i + 1).width ?? 10) * 7.5));
let body = '';
ws.eachRow({ includeEmpty: false }, (row, n) => {
  const bold =
    row.font?.bold || ws.getRow(n).getCell(1).value === '合计' || ws.getRow(n).getCell(1).value === 'Total';
  const formula = (i: number) => {
    const v = row.getCell(i + 1).value as { formula?: string } | null;
    return v && typeof v === 'object' && 'formula' in v ? ` title="=${html(String(v.formula))}"` : '';
  };
  body += `<tr class="${n === 1 ? 'head' : bold ? 'total' : ''}"><th class="num">${n}</th>${letters
    .map((_, i) => {
      const s = shown(row.getCell(i + 1));
      const on = selected === `${letters[i]}${n}` ? ' sel' : '';
      return `<td class="${s.number ? 'r' : ''}${on}"${formula(i)}>${html(s.text)}</td>`;
    })
    .join('')}</tr>\n`;
});
const pick = selected?.match(/^([A-Z])(\d+)$/);
const picked = pick ? ws.getRow(Number(pick[2])).getCell(pick[1]!).value : null;
const fx =
  picked && typeof picked === 'object' && 'formula' in picked ? `=${picked.formula}` : String(picked ?? '');
const tabs = wb.worksheets
  .map((w) => `<span class="${w.name === sheetName ? 'on' : ''}">${html(w.name)}</span>`)
  .join('');

process.stdout.write(`<!doctype html><meta charset="utf-8"><style>
body{margin:0;font:13px "WenQuanYi Micro Hei",sans-serif;background:#fff}
.bar{background:#217346;color:#fff;padding:6px 10px;font-size:14px}
.fx{border-bottom:1px solid #d4d4d4;padding:4px 10px;color:#444;font-family:monospace}
table{border-collapse:collapse;table-layout:fixed}
td,th{border:1px solid #d4d4d4;padding:2px 6px;height:20px;white-space:nowrap;overflow:hidden}
th{background:#f3f3f3;color:#555;font-weight:normal}
th.num{width:34px;text-align:center}
.r{text-align:right;font-variant-numeric:tabular-nums}
tr.head td{font-weight:bold;background:#e9f2ec;border-bottom:2px solid #217346}
tr.total td{font-weight:bold;border-top:2px solid #999}
.sel{outline:2px solid #217346;outline-offset:-2px}
.tabs{border-top:1px solid #d4d4d4;padding:4px 40px;background:#f3f3f3}
.tabs span{padding:3px 12px;margin-right:4px;color:#444}.tabs span.on{background:#fff;border-bottom:2px solid #217346;color:#217346}
</style>
<div class="bar">${html(file.split('/').at(-1) ?? file)} — ${html(sheetName)}</div>
<div class="fx"><b>${html(selected ?? '')}</b>&nbsp;&nbsp;fx&nbsp;&nbsp;${html(fx)}</div>
<table><colgroup><col style="width:34px">${widths.map((w) => `<col style="width:${w}px">`).join('')}</colgroup>
<tr><th></th>${letters.map((l) => `<th>${l} ▾</th>`).join('')}</tr>
${body}</table>
<div class="tabs">${tabs}</div>
`);
