// The lifecycle buttons of an experiment (DESIGN §5): draft → running ⇄ paused → completed,
// and a draft may be completed without ever starting (internal/recom Experiment.MoveTo): it
// stays in the list as completed, with no results. Resuming a paused experiment is the start
// call again. Completing is final, so it is confirmed first, in words that fit the status.

import type { ExperimentStatus, Move } from "./api";

export interface Action {
  move: Move;
  label: string;
  /** done is the notice after it worked. */
  done: (placement: string) => string;
  /** confirm, for a final move, is what its confirmation says. */
  confirm?: {
    title: (name: string) => string;
    body: (placement: string) => string;
    button: string;
  };
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
  confirm: {
    title: (name) => `Complete “${name}”?`,
    body: (p) =>
      `Completing is final: nobody more is assigned, the experiment cannot be started again, and its results stay as of today. Placement “${p}” becomes free for a new experiment.`,
    button: "Complete experiment",
  },
};
// A draft has held nothing and has no results: the API completes it all the same (there is
// no delete), so say that rather than "discard".
const completeDraft: Action = {
  move: "complete",
  label: "Complete without starting",
  done: () => "Completed without starting. It stays in the list as completed, with no results.",
  confirm: {
    title: (name) => `Complete “${name}” without starting it?`,
    body: () =>
      "It will never run: it cannot be started later, and it stays in the list of experiments as completed, with no results. To test this design later, create a new experiment.",
    button: "Complete without starting",
  },
};

/** actionsFor returns the lifecycle moves an experiment in status s can make, the main one first. */
export function actionsFor(s: ExperimentStatus): Action[] {
  switch (s) {
    case "draft":
      return [start, completeDraft];
    case "running":
      return [pause, complete];
    case "paused":
      return [resume, complete];
    case "completed":
      return [];
  }
}
