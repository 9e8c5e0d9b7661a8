/**
 * The runs grid: a virtualized, canvas-drawn @lumino/datagrid over a
 * RunsTableModel. Only the visible cells are ever drawn, so 10,000 rows
 * scroll like 10.
 *
 * The grid owns no state: selection and sort live in the model; clicks are
 * translated into model calls by `RunsMouseHandler`.
 */
import {
  BasicKeyHandler,
  BasicMouseHandler,
  CellGroup,
  CellRenderer,
  DataGrid,
  DataModel,
  GraphicsContext,
  RendererMap,
  TextRenderer
} from '@lumino/datagrid';

import { IThemeColors, readThemeColors } from '../../charts/theme';
import { cellText, IRunColumn, KIND_TITLES } from '../runs/columns';
import type { RunsTableModel, SelectMode } from '../runs/model';

/** Height of a body row and of each of the two header rows, in pixels. */
const ROW_HEIGHT = 24;
const HEADER_ROW_HEIGHT = 22;
const CHECKBOX_WIDTH = 30;
/** Text of cells whose page is still loading. */
const LOADING_TEXT = '…';

/** Metadata the renderers read. */
interface ICellInfo {
  kind: 'checkbox' | 'text' | 'loading' | 'status' | 'group' | 'header';
  numeric: boolean;
}

/**
 * The DataModel adapter. Column 0 is the selection checkbox; column-header
 * row 0 holds the group titles (Run, Metrics, Params, Tags), row 1 the names.
 */
export class RunsDataModel extends DataModel {
  constructor(model: RunsTableModel) {
    super();
    this._model = model;
    this._columns = [...model.columns];
    this._rowCount = model.total;
    this._groups = groupsFor(this._columns);
    model.rowsChanged.connect(this._onRowsChanged, this);
    model.columnsChanged.connect(this._onColumnsChanged, this);
  }

  /** The column shown at a grid column index (0 is the checkbox). */
  columnAt(index: number): IRunColumn | undefined {
    return this._columns[index - 1];
  }

  get columns(): ReadonlyArray<IRunColumn> {
    return this._columns;
  }

  rowCount(region: DataModel.RowRegion): number {
    return region === 'body' ? this._rowCount : 2;
  }

  columnCount(region: DataModel.ColumnRegion): number {
    return region === 'body' ? this._columns.length + 1 : 1;
  }

  data(
    region: DataModel.CellRegion,
    row: number,
    column: number
  ): string | boolean {
    if (region === 'column-header') {
      return this._headerText(row, column);
    }
    if (region !== 'body') {
      return '';
    }
    const run = this._model.runAt(row);
    if (column === 0) {
      return run ? this._model.isSelected(run.id) : false;
    }
    const spec = this._columns[column - 1];
    if (!spec) {
      return '';
    }
    return run ? cellText(run, spec, Date.now()) : LOADING_TEXT;
  }

  metadata(
    region: DataModel.CellRegion,
    row: number,
    column: number
  ): DataModel.Metadata {
    const info: ICellInfo = { kind: 'text', numeric: false };
    const spec = this._columns[column - 1];
    if (region === 'column-header') {
      info.kind = row === 0 ? 'group' : 'header';
      info.numeric = row === 1 && (spec?.numeric ?? false);
    } else if (region === 'body') {
      if (column === 0) {
        info.kind = 'checkbox';
      } else if (!this._model.runAt(row)) {
        info.kind = 'loading';
      } else if (spec?.id === 'attributes.status') {
        info.kind = 'status';
      }
      info.numeric = spec?.numeric ?? false;
    }
    return info;
  }

  groupCount(region: DataModel.CellRegion): number {
    return region === 'column-header' ? this._groups.length : 0;
  }

  group(region: DataModel.CellRegion, groupIndex: number): CellGroup | null {
    return region === 'column-header'
      ? (this._groups[groupIndex] ?? null)
      : null;
  }

  dispose(): void {
    this._model.rowsChanged.disconnect(this._onRowsChanged, this);
    this._model.columnsChanged.disconnect(this._onColumnsChanged, this);
  }

  private _headerText(row: number, column: number): string {
    const spec = this._columns[column - 1];
    if (!spec) {
      return '';
    }
    if (row === 0) {
      return KIND_TITLES[spec.kind];
    }
    const sort = this._model.sort;
    if (sort?.columnId === spec.id) {
      return `${spec.label} ${sort.descending ? '▼' : '▲'}`;
    }
    return spec.label;
  }

  private _onRowsChanged(
    _: RunsTableModel,
    change: RunsTableModel.RowsChange | null
  ): void {
    if (change === null) {
      this._rowCount = this._model.total;
      this.emitChanged({ type: 'model-reset' });
      this._repaintAll();
      return;
    }
    this.emitChanged({
      type: 'cells-changed',
      region: 'body',
      row: change.first,
      column: 0,
      rowSpan: change.last - change.first + 1,
      columnSpan: this._columns.length + 1
    });
  }

  private _onColumnsChanged(): void {
    this._columns = [...this._model.columns];
    this._groups = groupsFor(this._columns);
    this.emitChanged({ type: 'model-reset' });
    this._repaintAll();
  }

  private _repaintAll(): void {
    for (const region of ['body', 'column-header'] as const) {
      this.emitChanged({
        type: 'cells-changed',
        region,
        row: 0,
        column: 0,
        rowSpan: Math.max(this.rowCount(region), 1),
        columnSpan: this._columns.length + 1
      });
    }
  }

  private _columns: IRunColumn[];
  private _groups: CellGroup[];
  private _model: RunsTableModel;
  private _rowCount: number;
}

/** Merge the group-title cells of adjacent columns of the same kind. */
function groupsFor(columns: ReadonlyArray<IRunColumn>): CellGroup[] {
  const groups: CellGroup[] = [{ r1: 0, r2: 1, c1: 0, c2: 0 }];
  let start = 1;
  for (let i = 1; i <= columns.length; i++) {
    if (i === columns.length || columns[i].kind !== columns[start - 1].kind) {
      if (i > start) {
        groups.push({ r1: 0, r2: 0, c1: start, c2: i });
      }
      start = i + 1;
    }
  }
  return groups;
}

/** Draws the selection checkbox of a row. */
class CheckboxRenderer extends CellRenderer {
  constructor(private readonly _colors: IThemeColors) {
    super();
  }

  paint(gc: GraphicsContext, config: CellRenderer.CellConfig): void {
    const size = 12;
    const x = Math.round(config.x + (config.width - size) / 2) + 0.5;
    const y = Math.round(config.y + (config.height - size) / 2) + 0.5;
    const checked = config.value === true;
    gc.lineWidth = 1;
    if (checked) {
      gc.fillStyle = this._colors.accent;
      gc.fillRect(x, y, size, size);
      gc.strokeStyle = this._colors.accentForeground;
      gc.lineWidth = 2;
      gc.beginPath();
      gc.moveTo(x + 2.5, y + 6);
      gc.lineTo(x + 5, y + 8.5);
      gc.lineTo(x + 9.5, y + 3.5);
      gc.stroke();
    } else {
      gc.strokeStyle = this._colors.foregroundMuted;
      gc.strokeRect(x, y, size, size);
    }
  }
}

/** Callbacks of the grid's mouse handler. */
export interface IRunsGridHandlers {
  /** A click on a body row (the checkbox column toggles). */
  rowClicked(row: number, mode: SelectMode): void;
  rowDoubleClicked(row: number): void;
  /** A click on a column header, not on its resize handle. */
  headerClicked(column: number): void;
}

/**
 * Clicks on rows select, double-clicks open, clicks on headers sort; the
 * base class keeps column resizing by dragging header edges.
 */
class RunsMouseHandler extends BasicMouseHandler {
  constructor(private readonly _handlers: IRunsGridHandlers) {
    super();
  }

  onMouseDown(grid: DataGrid, event: MouseEvent): void {
    const hit = grid.hitTest(event.clientX, event.clientY);
    this._headerPress = -1;
    if (hit.region === 'body' && event.button === 0) {
      const mode: SelectMode = event.shiftKey
        ? 'range'
        : event.ctrlKey || event.metaKey || hit.column === 0
          ? 'toggle'
          : 'replace';
      this._handlers.rowClicked(hit.row, mode);
      return;
    }
    if (
      hit.region === 'column-header' &&
      event.button === 0 &&
      hit.x > 5 &&
      hit.width - hit.x > 6
    ) {
      this._headerPress = hit.column;
      return;
    }
    super.onMouseDown(grid, event);
  }

  onMouseUp(grid: DataGrid, event: MouseEvent): void {
    if (this._headerPress >= 0) {
      const hit = grid.hitTest(event.clientX, event.clientY);
      if (hit.region === 'column-header' && hit.column === this._headerPress) {
        this._handlers.headerClicked(hit.column);
      }
      this._headerPress = -1;
      return;
    }
    super.onMouseUp(grid, event);
  }

  onMouseDoubleClick(grid: DataGrid, event: MouseEvent): void {
    const hit = grid.hitTest(event.clientX, event.clientY);
    if (hit.region === 'body' && hit.column !== 0) {
      this._handlers.rowDoubleClicked(hit.row);
    }
  }

  private _headerPress = -1;
}

/** Create the grid for a data model. */
export function createRunsGrid(
  dataModel: RunsDataModel,
  model: RunsTableModel,
  handlers: IRunsGridHandlers
): DataGrid {
  const grid = new DataGrid({
    defaultSizes: {
      rowHeight: ROW_HEIGHT,
      columnWidth: 100,
      rowHeaderWidth: 0,
      columnHeaderHeight: HEADER_ROW_HEIGHT
    },
    headerVisibility: 'column'
  });
  grid.addClass('jp-MLStudio-runsGrid');
  grid.dataModel = dataModel;
  grid.keyHandler = new BasicKeyHandler();
  grid.mouseHandler = new RunsMouseHandler(handlers);
  applyGridTheme(grid, model);
  applyColumnWidths(grid, dataModel);
  return grid;
}

/** Size the columns to their defaults (after the set of columns changed). */
export function applyColumnWidths(
  grid: DataGrid,
  dataModel: RunsDataModel
): void {
  grid.resizeColumn('body', 0, CHECKBOX_WIDTH);
  dataModel.columns.forEach((column, i) => {
    grid.resizeColumn('body', i + 1, column.width);
  });
}

/** Colours, fonts and renderers from the current JupyterLab theme. */
export function applyGridTheme(
  grid: DataGrid,
  model: RunsTableModel,
  colors: IThemeColors = readThemeColors()
): void {
  const font = `${colors.gridFontSize} ${colors.gridFont}`;
  const info = (config: CellRenderer.CellConfig): ICellInfo =>
    config.metadata as ICellInfo;
  const body = new TextRenderer({
    font,
    textColor: config => {
      const { kind } = info(config);
      if (kind === 'loading') {
        return colors.foregroundMuted;
      }
      if (kind === 'status') {
        return statusColor(String(config.value), colors);
      }
      return colors.foreground;
    },
    horizontalAlignment: config => (info(config).numeric ? 'right' : 'left'),
    horizontalPadding: 8
  });
  const header = new TextRenderer({
    font: config => (info(config).kind === 'group' ? font : `bold ${font}`),
    textColor: config =>
      info(config).kind === 'group'
        ? colors.foregroundMuted
        : colors.foreground,
    horizontalAlignment: config => (info(config).numeric ? 'right' : 'left'),
    horizontalPadding: 8
  });
  const checkbox = new CheckboxRenderer(colors);
  grid.cellRenderers = new RendererMap(
    {
      body: config => (config.column === 0 ? checkbox : body),
      'column-header': header
    },
    body
  );
  grid.style = {
    ...DataGrid.defaultStyle,
    voidColor: colors.background,
    backgroundColor: colors.background,
    rowBackgroundColor: (index: number) => {
      const run = model.runAt(index);
      return run && model.isSelected(run.id) ? colors.selection : '';
    },
    gridLineColor: colors.gridLine,
    headerBackgroundColor: colors.panel,
    headerGridLineColor: colors.border
  };
}

/** The colour of a status cell (its text is the label, e.g. "Running"). */
function statusColor(status: string, colors: IThemeColors): string {
  switch (status.toUpperCase()) {
    case 'RUNNING':
      return colors.accent;
    case 'FAILED':
      return colors.error;
    case 'KILLED':
      return colors.foregroundMuted;
    default:
      return colors.foreground;
  }
}
