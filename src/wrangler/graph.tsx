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
  useReactFlow
} from '@xyflow/react';
import * as React from 'react';

import type { IStepStatus, ITransformInfo } from '../api/wrangler';
import { IFlowDocument, outputsOf, splitRef } from './document';
import type { FlowEditorModel } from './model';

type FlowNodeData = {
  id: string;
  kind: 'source' | 'step' | 'output';
  label: string;
  subtitle: string;
  state: string;
  inputs: string[];
  outputs: string[];
  shape: string;
};

type FlowNode = Node<FlowNodeData, 'flow'>;

const COLUMN_WIDTH = 240;
const ROW_HEIGHT = 110;

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
  // Show every node again when nodes come or go (a new step is often
  // placed outside the current view).
  // Long flows would shrink to unreadable: frame the selected node with its
  // direct inputs and readers.
  const { fitView } = useReactFlow();
  const count = computed.nodes.length;
  const focus = splitRef(model.selected ?? '').node;
  React.useEffect(() => {
    const near = new Set<string>([focus]);
    for (const edge of computed.edges) {
      if (edge.source === focus || edge.target === focus) {
        near.add(edge.source);
        near.add(edge.target);
      }
    }
    const timer = window.setTimeout(
      () =>
        void fitView({
          nodes: [...near].map(id => ({ id })),
          padding: 0.25,
          maxZoom: 1,
          minZoom: 0.3,
          duration: 150
        }),
      50
    );
    return () => window.clearTimeout(timer);
    // Re-frame when nodes come or go or the selection moves, not on every
    // status update (computed.edges is read, not watched).
  }, [count, focus, fitView]);

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
      fitViewOptions={{ padding: 0.2, maxZoom: 1 }}
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
      title={data.subtitle}
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
        {data.label}
      </div>
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
  const depth = new Map<string, number>();
  doc.sources.forEach(s => depth.set(s.id, 0));
  for (let pass = 0; pass < doc.steps.length + 1; pass++) {
    for (const step of doc.steps) {
      const d = Math.max(
        0,
        ...step.inputs.map(ref => (depth.get(splitRef(ref).node) ?? 0) + 1)
      );
      depth.set(step.id, d);
    }
  }
  const rows = new Map<number, number>();
  const place = (id: string, position?: { x: number; y: number } | null) => {
    if (position) {
      return { x: position.x, y: position.y };
    }
    const d = depth.get(id) ?? 0;
    const row = rows.get(d) ?? 0;
    rows.set(d, row + 1);
    return { x: d * COLUMN_WIDTH, y: row * ROW_HEIGHT };
  };
  const selectedNode = splitRef(selected ?? '').node;
  const nodes: FlowNode[] = [];
  for (const source of doc.sources) {
    const status = statuses.get(source.id);
    nodes.push({
      id: source.id,
      type: 'flow',
      position: place(source.id, source.position),
      selected: source.id === selectedNode,
      data: {
        id: source.id,
        kind: 'source',
        label: source.title || source.path || source.id,
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
    nodes.push({
      id: step.id,
      type: 'flow',
      position: place(step.id, step.position),
      selected: step.id === selectedNode,
      data: {
        id: step.id,
        kind: 'step',
        label: step.title || transform?.title || step.transform,
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
