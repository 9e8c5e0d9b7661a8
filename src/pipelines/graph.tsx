/**
 * The pipeline as a graph (@xyflow/react, set up and themed as the Data
 * Wrangler's): steps as nodes, edges from `depends_on`, references to other
 * steps' results and condition branches. Dragging a step saves its position;
 * dragging from a step's right handle to another step adds a `depends_on`;
 * a step type dropped from the palette becomes a step there. A step with
 * validation issues has a red outline and its first message.
 */
import '@xyflow/react/dist/style.css';

import { Notification } from '@jupyterlab/apputils';
import {
  Background,
  Connection,
  Controls,
  Edge,
  Handle,
  MarkerType,
  Node,
  NodeProps,
  Position,
  ReactFlow,
  ReactFlowProvider,
  useNodesState,
  useReactFlow
} from '@xyflow/react';
import * as React from 'react';

import type { IPipelineIssue, IStepType } from './api';
import { edgesOf, IPipelineDocument, placeSteps } from './document';

/**
 * What the graph reads and changes: the editor's model, or a read-only
 * adapter in the execution view.
 */
export interface IGraphModel {
  readonly document: IPipelineDocument | null;
  readonly types: ReadonlyMap<string, IStepType>;
  readonly issues: ReadonlyArray<IPipelineIssue> | null;
  readonly selected: string | null;
  issuesOf(step: string | null): IPipelineIssue[];
  select(name: string | null): void;
  addStep(type: string, position?: { x: number; y: number }): string | null;
  deleteStep(name: string): void;
  connect(source: string, target: string): string | null;
  disconnect(source: string, target: string): void;
  moveSteps(
    positions: ReadonlyArray<{ name: string; x: number; y: number }>
  ): void;
}

/** The drag-and-drop type of a palette item (its data is the step type). */
export const STEP_TYPE_MIME = 'application/x-mlstudio-step-type';

type StepNodeData = {
  name: string;
  type: string;
  title: string;
  category: string;
  /** The first validation message and how many there are. */
  issue: string;
  issueCount: number;
  /** An execution's status of the step (the execution view), or ''. */
  status: string;
};

type StepNode = Node<StepNodeData, 'step'>;

export interface IPipelineGraphProps {
  model: IGraphModel;
  dark: boolean;
  /** Per-step status (an execution); the editor passes none. */
  statuses?: ReadonlyMap<string, string>;
  /** Read-only (the execution view): no dragging, connecting or dropping. */
  readOnly?: boolean;
}

export function PipelineGraph(props: IPipelineGraphProps): JSX.Element {
  return (
    <ReactFlowProvider>
      <GraphInner {...props} />
    </ReactFlowProvider>
  );
}

const NODE_TYPES = { step: StepNodeView };
const FIRST_VIEW = { padding: 0.25, maxZoom: 1 };

function GraphInner(props: IPipelineGraphProps): JSX.Element {
  const { model, statuses, readOnly } = props;
  const doc = model.document!;
  const computed = React.useMemo(
    () => buildGraph(doc, model, statuses),
    // model.issues and model.types change identity when they change
    [doc, model.issues, model.types, model.selected, statuses]
  );
  const [nodes, setNodes, onNodesChange] = useNodesState<StepNode>(
    computed.nodes
  );
  React.useEffect(() => setNodes(computed.nodes), [computed, setNodes]);
  const { screenToFlowPosition, fitView } = useReactFlow();
  // Frame the graph again when steps come or go and when validation
  // messages change the nodes' size (a message makes a node taller/wider).
  const count = doc.steps.length;
  const issueCount = model.issues?.length ?? 0;
  React.useEffect(() => {
    void fitView({ padding: 0.25, maxZoom: 1, minZoom: 0.3, duration: 150 });
  }, [count, issueCount, fitView]);

  const onConnect = React.useCallback(
    (connection: Connection) => {
      const refused = model.connect(connection.source, connection.target);
      if (refused) {
        Notification.warning(refused, { autoClose: 5000 });
      }
    },
    [model]
  );

  const onDrop = React.useCallback(
    (event: React.DragEvent) => {
      const type = event.dataTransfer.getData(STEP_TYPE_MIME);
      if (!type || readOnly) {
        return;
      }
      event.preventDefault();
      model.addStep(
        type,
        screenToFlowPosition({ x: event.clientX, y: event.clientY })
      );
    },
    [model, readOnly, screenToFlowPosition]
  );

  return (
    <ReactFlow<StepNode, Edge>
      nodes={nodes}
      edges={computed.edges}
      nodeTypes={NODE_TYPES}
      onNodesChange={onNodesChange}
      onConnect={onConnect}
      onNodeClick={(_, node) => model.select(node.id)}
      onPaneClick={() => model.select(null)}
      onNodeDragStop={(_, __, moved) =>
        !readOnly &&
        model.moveSteps(
          moved.map(n => ({ name: n.id, x: n.position.x, y: n.position.y }))
        )
      }
      onNodesDelete={deleted => {
        if (readOnly) {
          return;
        }
        for (const node of deleted) {
          model.deleteStep(node.id);
        }
      }}
      onEdgesDelete={deleted => {
        for (const edge of deleted) {
          if (edge.data?.kind === 'depends') {
            model.disconnect(edge.source, edge.target);
          }
        }
      }}
      onDragOver={event => {
        if (!readOnly && event.dataTransfer.types.includes(STEP_TYPE_MIME)) {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDrop={onDrop}
      nodesDraggable={!readOnly}
      nodesConnectable={!readOnly}
      deleteKeyCode={readOnly ? null : 'Delete'}
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

function StepNodeView(props: NodeProps<StepNode>): JSX.Element {
  const { data, selected } = props;
  const classes = ['jp-MLStudio-pipelineNode'];
  if (data.issueCount) {
    classes.push('jp-mod-invalid');
  }
  if (data.status) {
    classes.push(`jp-mod-status-${data.status.toLowerCase()}`);
  }
  if (selected) {
    classes.push('jp-mod-selected');
  }
  return (
    <div
      className={classes.join(' ')}
      data-testid="mls-pipeline-node"
      data-step={data.name}
      data-invalid={data.issueCount ? 'true' : 'false'}
      data-status={data.status || undefined}
      title={`${data.name} (${data.title})${data.issue ? `\n${data.issue}` : ''}`}
    >
      <Handle type="target" position={Position.Left} />
      <div className="jp-MLStudio-pipelineNodeTitle">
        <span
          className={`jp-MLStudio-pipelineCategory jp-mod-${data.category.toLowerCase()}`}
        />
        <span className="jp-MLStudio-pipelineNodeName">{data.name}</span>
      </div>
      <div className="jp-MLStudio-pipelineNodeType">
        {data.title}
        {data.status && (
          <span className="jp-MLStudio-pipelineNodeStatus">
            {' '}
            · {data.status}
          </span>
        )}
      </div>
      {data.issue && (
        <div
          className="jp-MLStudio-pipelineNodeIssue"
          data-testid="mls-pipeline-node-issue"
        >
          {data.issue}
          {data.issueCount > 1 ? ` (+${data.issueCount - 1} more)` : ''}
        </div>
      )}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

function buildGraph(
  doc: IPipelineDocument,
  model: IGraphModel,
  statuses?: ReadonlyMap<string, string>
): { nodes: StepNode[]; edges: Edge[] } {
  const placed = placeSteps(doc);
  const nodes: StepNode[] = doc.steps.map(step => {
    const type = model.types.get(step.type);
    const issues = model.issuesOf(step.name);
    const first = issues[0];
    return {
      id: step.name,
      type: 'step',
      position: placed.get(step.name) ?? { x: 0, y: 0 },
      selected: step.name === model.selected,
      data: {
        name: step.name,
        type: step.type,
        title: type?.title ?? step.type,
        category: type?.category ?? 'unknown',
        issue: first
          ? `${first.path ? `${first.path}: ` : ''}${first.message}`
          : '',
        issueCount: issues.length,
        status: statuses?.get(step.name) ?? ''
      }
    };
  });
  const edges: Edge[] = edgesOf(doc).map(edge => ({
    id: `${edge.source}->${edge.target}`,
    source: edge.source,
    target: edge.target,
    label: edge.kind === 'if' || edge.kind === 'else' ? edge.kind : undefined,
    className: `jp-mod-${edge.kind}`,
    // Only explicit dependencies can be removed from the graph; the others
    // come from the arguments (edit them in the properties panel).
    deletable: edge.kind === 'depends',
    markerEnd: { type: MarkerType.ArrowClosed },
    data: { kind: edge.kind }
  }));
  return { nodes, edges };
}
