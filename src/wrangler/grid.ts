/**
 * The preview grid: a virtualized @lumino/datagrid over a node's preview.
 * Each column header shows the name, the dtype with the missing count and a
 * small distribution chart (histogram bars for numbers and dates, top-value
 * bars otherwise), drawn on the grid's canvas.
 */
import {
  BasicKeyHandler,
  BasicMouseHandler,
  BasicSelectionModel,
  CellRenderer,
  DataGrid,
  DataModel,
  GraphicsContext,
  RendererMap,
  TextRenderer
} from '@lumino/datagrid';

import type { IColumnSummary, IPreview } from '../api/wrangler';
import { IThemeColors, readThemeColors } from '../charts/theme';

const ROW_HEIGHT = 22;
const HEADER_HEIGHT = 74;
const CHART_HEIGHT = 26;

export class PreviewDataModel extends DataModel {
  get preview(): IPreview | null {
    return this._preview;
  }

  set preview(value: IPreview | null) {
    this._preview = value;
    this.emitChanged({ type: 'model-reset' });
  }

  rowCount(region: DataModel.RowRegion): number {
    if (region === 'column-header') {
      return 1;
    }
    return this._preview?.rows.length ?? 0;
  }

  columnCount(region: DataModel.ColumnRegion): number {
    if (region === 'row-header') {
      return 1;
    }
    return this._preview?.columns.length ?? 0;
  }

  data(region: DataModel.CellRegion, row: number, column: number): unknown {
    const preview = this._preview;
    if (!preview) {
      return '';
    }
    switch (region) {
      case 'column-header':
        return preview.columns[column];
      case 'row-header':
        return formatCell(preview.index[row]);
      case 'corner-header':
        return '';
      default:
        return preview.rows[row]?.[column];
    }
  }

  metadata(
    region: DataModel.CellRegion,
    row: number,
    column: number
  ): DataModel.Metadata {
    const summary = this._preview?.columns[column];
    return { numeric: summary?.kind === 'numeric' };
  }

  private _preview: IPreview | null = null;
}

/** A cell's text: missing values show as an em dash-free "null". */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) {
    return 'null';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? String(value)
      : String(+value.toPrecision(6));
  }
  if (typeof value === 'object') {
    return JSON.stringify(value);
  }
  return String(value);
}

/** Draws a column header: name, dtype and a distribution chart. */
class HeaderRenderer extends CellRenderer {
  constructor(private readonly _colors: IThemeColors) {
    super();
  }

  paint(gc: GraphicsContext, config: CellRenderer.CellConfig): void {
    const summary = config.value as IColumnSummary | undefined;
    if (!summary || typeof summary !== 'object') {
      return;
    }
    const colors = this._colors;
    const pad = 6;
    const x = config.x + pad;
    const width = config.width - 2 * pad;
    gc.save();
    gc.beginPath();
    gc.rect(config.x, config.y, config.width, config.height);
    gc.clip();
    gc.textBaseline = 'middle';
    gc.fillStyle = colors.foreground;
    gc.font = `bold ${colors.gridFontSize} ${colors.gridFont}`;
    gc.fillText(fit(gc, summary.name, width), x, config.y + 11);
    gc.fillStyle = colors.foregroundMuted;
    gc.font = `${colors.gridFontSize} ${colors.gridFont}`;
    const missing = summary.missing ? ` · ${summary.missing} missing` : '';
    gc.fillText(fit(gc, `${summary.dtype}${missing}`, width), x, config.y + 27);

    const values = summary.histogram
      ? summary.histogram.counts
      : (summary.top ?? []).map(t => t.count);
    const max = Math.max(1, ...values);
    const top = config.y + config.height - CHART_HEIGHT - 6;
    if (values.length) {
      const gap = summary.histogram ? 1 : 3;
      const bar = Math.max(
        1,
        (width - gap * (values.length - 1)) / values.length
      );
      gc.fillStyle = summary.missing ? colors.accent : colors.accent;
      values.forEach((count, i) => {
        const h = Math.max(count > 0 ? 1 : 0, (count / max) * CHART_HEIGHT);
        gc.fillRect(x + i * (bar + gap), top + CHART_HEIGHT - h, bar, h);
      });
    }
    gc.restore();
  }
}

function fit(gc: GraphicsContext, text: string, width: number): string {
  if (gc.measureText(text).width <= width) {
    return text;
  }
  let end = text.length;
  while (end > 1 && gc.measureText(text.slice(0, end) + '…').width > width) {
    end--;
  }
  return text.slice(0, end) + '…';
}

/** The grid; call `applyPreviewTheme` again after a theme change. */
export function createPreviewGrid(model: PreviewDataModel): DataGrid {
  const grid = new DataGrid({
    defaultSizes: {
      rowHeight: ROW_HEIGHT,
      columnWidth: 130,
      rowHeaderWidth: 56,
      columnHeaderHeight: HEADER_HEIGHT
    },
    headerVisibility: 'all'
  });
  grid.addClass('jp-MLStudio-wranglerGrid');
  grid.dataModel = model;
  grid.keyHandler = new BasicKeyHandler();
  grid.mouseHandler = new BasicMouseHandler();
  grid.selectionModel = new BasicSelectionModel({ dataModel: model });
  applyPreviewTheme(grid);
  return grid;
}

export function applyPreviewTheme(
  grid: DataGrid,
  colors: IThemeColors = readThemeColors()
): void {
  const font = `${colors.gridFontSize} ${colors.gridFont}`;
  const body = new TextRenderer({
    font,
    format: config => formatCell(config.value),
    textColor: config =>
      config.value === null || config.value === undefined
        ? colors.foregroundMuted
        : colors.foreground,
    horizontalAlignment: config =>
      (config.metadata as { numeric?: boolean }).numeric ? 'right' : 'left',
    horizontalPadding: 6
  });
  const rowHeader = new TextRenderer({
    font,
    textColor: colors.foregroundMuted,
    horizontalAlignment: 'right',
    horizontalPadding: 6
  });
  grid.cellRenderers = new RendererMap(
    {
      body,
      'column-header': new HeaderRenderer(colors),
      'row-header': rowHeader,
      'corner-header': rowHeader
    },
    body
  );
  grid.style = {
    ...DataGrid.defaultStyle,
    voidColor: colors.background,
    backgroundColor: colors.background,
    gridLineColor: colors.gridLine,
    headerBackgroundColor: colors.panel,
    headerGridLineColor: colors.border,
    selectionFillColor: 'rgba(33, 150, 243, 0.15)',
    selectionBorderColor: colors.accent
  };
}
