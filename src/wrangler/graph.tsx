/**
 * The flow as a graph (@xyflow/react): sources, steps and the flow's
 * outputs as nodes, each step's `inputs` as edges into its input ports,
 * split outputs as separate handles. Dragging saves positions; dragging
 * from an output handle to an input port rewires a step; clicking selects.
 */
import '@xyflow/react/dist/style.css';

import {
  Background,
  Connection,
  Controls,
  Edge,
  Handle,
  Node,
  NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useNodesState,
  useReactFlow,
  useStore
} from '@xyflow/react';
import * as React from 'react';

import type { IStepStatus, ITransformInfo } from '../api/wrangler';
import {
  COLUMN_WIDTH,
  IFlowDocument,
  outputsOf,
  placeNodes,
  sourceLabel,
  splitRef,
  stepSummary
} from './document';
import type { FlowEditorModel } from './model';

type FlowNodeData = {
  id: string;
  kind: 'source' | 'step' | 'output';
  label: string;
  /** What tells this node apart (a step's columns and parameters). */
  summary: string;
  /** The tooltip: the full title, the summary and the id. */
  tooltip: string;
  subtitle: string;
  state: string;
  inputs: string[];
  outputs: string[];
  shape: string;
};

type FlowNode = Node<FlowNodeData, 'flow'>;

export interface IFlowGraphProps {
  model: FlowEditorModel;
  dark: boolean;
}

export function FlowGraph(props: IFlowGraphProps): JSX.Element {
  return (
    <ReactFlowProvider>
      <GraphInner {...props} />
    </ReactFlowProvider>
  );
}

const NODE_TYPES = { flow: FlowNodeView };
/*
 * A constant: xyflow copies this prop into its store whenever its identity
 * changes, which would replace the options of a queued fitView (framing the
 * new node) with these before the new node is measured.
 */
const FIRST_VIEW = { padding: 0.2, maxZoom: 1 };

function GraphInner(props: IFlowGraphProps): JSX.Element {
  const { model } = props;
  const doc = model.document!;
  const computed = React.useMemo(
    () => buildGraph(doc, model.transforms, model.statuses, model.selected),
    [doc, model.transforms, model.statuses, model.selected]
  );
  const [nodes, setNodes, onNodesChange] = useNodesState<FlowNode>(
    computed.nodes
  );
  React.useEffect(() => setNodes(computed.nodes), [computed, setNodes]);
  // Keep what changed in view: nodes that just appeared (a new step, a new
  // source, the output node after them) with their direct neighbours, or
  // else the selected node with its inputs and readers. Long flows would
  // shrink to unreadable if every node were framed.
  const { fitView } = useReactFlow();
  const known = React.useRef<Set<string> | null>(null);
  const ids = computed.nodes.map(n => n.id).join('\n');
  const focus = splitRef(model.selected ?? '').node;
  // The pane shrinks when a tab opens below the editor: frame again.
  const paneSize = useStore(s => `${s.width}x${s.height}`);
  React.useEffect(() => {
    const current = new Set(ids.split('\n').filter(Boolean));
    const before = known.current;
    known.current = current;
    const added = before ? [...current].filter(id => !before.has(id)) : [];
    const centre = new Set<string>(added.length ? added : [focus]);
    const near = new Set<string>(centre);
    for (const edge of computed.edges) {
      if (centre.has(edge.source) || centre.has(edge.target)) {
        near.add(edge.source);
        near.add(edge.target);
      }
    }
    const nodes = [...near].filter(id => current.has(id)).map(id => ({ id }));
    // fitView waits until the new nodes are measured (xyflow queues it), so
    // no timer races the first render of a node.
    void fitView({
      nodes: nodes.length ? nodes : undefined,
      padding: 0.25,
      maxZoom: 1,
      minZoom: 0.3,
      duration: 150
    });
    // Re-frame when nodes come or go, the selection moves or the pane is
    // resized, not on every status update (computed.edges is read, not
    // watched).
  }, [ids, focus, paneSize, fitView]);

  const onConnect = React.useCallback(
    (connection: Connection) => {
      const port = Number((connection.targetHandle ?? 'in-0').slice(3));
      const output = (connection.sourceHandle ?? '').slice(4);
      const outputs = outputsOf(doc, connection.source, model.transforms);
      const ref =
        outputs.length > 1 && output
          ? `${connection.source}:${output}`
          : connection.source;
      model.connect(connection.target, port, ref);
    },
    [doc, model]
  );

  return (
    <ReactFlow<FlowNode, Edge>
      nodes={nodes}
      edges={computed.edges}
      nodeTypes={NODE_TYPES}
      onNodesChange={onNodesChange}
      onConnect={onConnect}
      onNodeClick={(_, node) =>
        model.select(
          node.data.kind === 'output' ? node.data.subtitle : node.data.id
        )
      }
      onNodeDragStop={(_, __, moved) =>
        model.moveNodes(
          moved
            .filter(n => n.data.kind !== 'output')
            .map(n => ({ id: n.id, x: n.position.x, y: n.position.y }))
        )
      }
      nodesConnectable
      deleteKeyCode={null}
      colorMode={props.dark ? 'dark' : 'light'}
      fitView
      fitViewOptions={FIRST_VIEW}
      minZoom={0.2}
      proOptions={{ hideAttribution: true }}
    >
      <Background gap={16} size={1} />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}

function FlowNodeView(props: NodeProps<FlowNode>): JSX.Element {
  const { data, selected } = props;
  const n = data.inputs.length;
  return (
    <div
      className={
        `jp-MLStudio-wranglerNode jp-mod-${data.kind} jp-mod-${data.state}` +
        (selected ? ' jp-mod-selected' : '')
      }
      data-node-id={data.id}
      title={data.tooltip}
    >
      {data.inputs.map((name, i) => (
        <Handle
          key={`in-${i}`}
          type="target"
          id={`in-${i}`}
          position={Position.Left}
          style={{ top: `${((i + 1) * 100) / (n + 1)}%` }}
          title={name}
        />
      ))}
      <div className="jp-MLStudio-wranglerNodeTitle">
        <span className={`jp-MLStudio-wranglerState jp-mod-${data.state}`} />
        <span className="jp-MLStudio-wranglerNodeLabel">{data.label}</span>
      </div>
      {data.summary && (
        <div className="jp-MLStudio-wranglerNodeSummary">{data.summary}</div>
      )}
      <div className="jp-MLStudio-wranglerNodeSub">{data.shape}</div>
      {data.outputs.map((name, i) => (
        <React.Fragment key={`out-${name}`}>
          <Handle
            type="source"
            id={`out-${name}`}
            position={Position.Right}
            style={{ top: `${((i + 1) * 100) / (data.outputs.length + 1)}%` }}
            title={name}
          />
          {data.outputs.length > 1 && (
            <span
              className="jp-MLStudio-wranglerHandleLabel"
              style={{ top: `${((i + 1) * 100) / (data.outputs.length + 1)}%` }}
            >
              {name}
            </span>
          )}
        </React.Fragment>
      ))}
    </div>
  );
}

function shapeOf(status: IStepStatus | undefined, output?: string): string {
  if (!status) {
    return '';
  }
  if (status.state !== 'ok') {
    return status.state === 'error' ? 'error' : 'blocked';
  }
  const info = status.outputs.find(o => o.name === output) ?? status.outputs[0];
  return info ? `${info.rows.toLocaleString()} × ${info.columns}` : '';
}

/** Nodes and edges for the document; unplaced nodes are laid out by depth. */
function buildGraph(
  doc: IFlowDocument,
  transforms: ReadonlyMap<string, ITransformInfo>,
  statuses: ReadonlyMap<string, IStepStatus>,
  selected: string | null
): { nodes: FlowNode[]; edges: Edge[] } {
  const placed = placeNodes(doc);
  const place = (id: string) => placed.get(id) ?? { x: 0, y: 0 };
  const selectedNode = splitRef(selected ?? '').node;
  const nodes: FlowNode[] = [];
  for (const source of doc.sources) {
    const status = statuses.get(source.id);
    nodes.push({
      id: source.id,
      type: 'flow',
      position: place(source.id),
      selected: source.id === selectedNode,
      data: {
        id: source.id,
        kind: 'source',
        label: sourceLabel(source),
        summary: '',
        tooltip: `${sourceLabel(source)}\n${source.kind} source ${source.id}`,
        subtitle: `${source.kind} source ${source.id}`,
        state: status?.state ?? 'pending',
        inputs: [],
        outputs: [source.name ?? 'df'],
        shape: shapeOf(status)
      }
    });
  }
  const edges: Edge[] = [];
  const used = new Set<string>();
  for (const step of doc.steps) {
    const status = statuses.get(step.id);
    const transform = transforms.get(step.transform);
    const label = step.title || transform?.title || step.transform;
    const summary = stepSummary(step, transform);
    nodes.push({
      id: step.id,
      type: 'flow',
      position: place(step.id),
      selected: step.id === selectedNode,
      data: {
        id: step.id,
        kind: 'step',
        label,
        summary,
        tooltip: [label, summary, `${step.id} (${step.transform})`]
          .filter(Boolean)
          .join('\n'),
        subtitle: `${step.id} (${step.transform})`,
        state: status?.state ?? 'pending',
        inputs: transform?.inputs ?? step.inputs.map((_, i) => `in ${i}`),
        outputs: outputsOf(doc, step.id, transforms),
        shape: shapeOf(status)
      }
    });
    step.inputs.forEach((ref, port) => {
      const { node, output } = splitRef(ref);
      const name = output ?? outputsOf(doc, node, transforms)[0] ?? 'df';
      used.add(`${node}:${name}`);
      edges.push({
        id: `${ref}->${step.id}:${port}`,
        source: node,
        sourceHandle: `out-${name}`,
        target: step.id,
        targetHandle: `in-${port}`,
        className:
          status?.state === 'blocked' || status?.state === 'error'
            ? 'jp-mod-blocked'
            : undefined
      });
    });
  }
  // The flow's outputs: node outputs no step reads.
  for (const node of nodes.slice()) {
    const status = statuses.get(node.id);
    node.data.outputs.forEach((name, i) => {
      if (used.has(`${node.id}:${name}`)) {
        return;
      }
      const id = `output:${node.id}:${name}`;
      const isSource = node.data.kind === 'source';
      if (isSource && doc.steps.length > 0) {
        return; // an unused extra source is not a flow output
      }
      const ref = node.data.outputs.length > 1 ? `${node.id}:${name}` : node.id;
      nodes.push({
        id,
        type: 'flow',
        position: {
          x: node.position.x + COLUMN_WIDTH,
          y: node.position.y + i * 60
        },
        selected: selected === ref && node.data.outputs.length > 1,
        draggable: false,
        connectable: false,
        data: {
          id,
          kind: 'output',
          label: `Output: ${name}`,
          summary: '',
          tooltip: `Output ${name} of ${node.id}`,
          subtitle: ref,
          state: status?.state ?? 'pending',
          inputs: ['df'],
          outputs: [],
          shape: shapeOf(status, name)
        }
      });
      edges.push({
        id: `${ref}->${id}`,
        source: node.id,
        sourceHandle: `out-${name}`,
        target: id,
        targetHandle: 'in-0',
        className: 'jp-mod-output'
      });
    });
  }
  return { nodes, edges };
}
