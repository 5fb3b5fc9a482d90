// The lifecycle buttons of an experiment (DESIGN §5): draft → running ⇄ paused → completed.
// Resuming a paused experiment is the start call again.

import type { ExperimentStatus, Move } from "./api";

export interface Action {
  move: Move;
  label: string;
  /** done is the notice after it worked. */
  done: (placement: string) => string;
}

const start: Action = {
  move: "start",
  label: "Start",
  done: (p) => `Started. Shoppers on placement “${p}” are now split between the two arms.`,
};
const resume: Action = {
  move: "start",
  label: "Resume",
  done: (p) => `Resumed. Shoppers on placement “${p}” are split again, each in the arm they had.`,
};
const pause: Action = {
  move: "pause",
  label: "Pause",
  done: (p) => `Paused. Placement “${p}” serves the tenant’s default strategy and nobody new is assigned until you resume.`,
};
const complete: Action = {
  move: "complete",
  label: "Complete",
  done: (p) => `Completed. These results are final, and placement “${p}” is free for a new experiment.`,
};

/** actionsFor returns the lifecycle moves an experiment in status s can make, the main one first. */
export function actionsFor(s: ExperimentStatus): Action[] {
  switch (s) {
    case "draft":
      return [start];
    case "running":
      return [pause, complete];
    case "paused":
      return [resume, complete];
    case "completed":
      return [];
  }
}
